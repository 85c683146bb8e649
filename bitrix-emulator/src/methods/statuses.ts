import { matchesFilter, paginate, parseListSpec, rowResolver, sortRows } from '../list-query';
import { Params } from '../params';
import { Row } from '../store';
import { MethodTable } from './types';

/** The helpdesk pipeline (category 19) and the default pipeline (0). */
export const HELPDESK_CATEGORY_ID = 19;

const STAGES: Array<[string, string, string]> = [
  ['NEW', 'Novo', ''],
  ['PREPARATION', 'Em preparação', ''],
  ['EXECUTING', 'Em execução', ''],
  ['WON', 'Concluído', 'S'],
  ['LOSE', 'Cancelado', 'F'],
];
/** Stage codes (without the `C<n>:` prefix) every emulated pipeline has. */
export const STAGE_CODES: ReadonlySet<string> = new Set(STAGES.map(([code]) => code));

const COLORS = ['#39A8EF', '#2FC6F6', '#55D0E0', '#7BD500', '#FF5752'];

function stageRows(): Row[] {
  const rows: Row[] = [];
  let id = 1;
  for (const categoryId of [0, HELPDESK_CATEGORY_ID]) {
    const prefix = categoryId === 0 ? '' : `C${categoryId}:`;
    STAGES.forEach(([code, name, semantics], i) => {
      const color = COLORS[i];
      rows.push({
        ID: String(id++),
        ENTITY_ID: categoryId === 0 ? 'DEAL_STAGE' : `DEAL_STAGE_${categoryId}`,
        STATUS_ID: `${prefix}${code}`,
        NAME: name,
        NAME_INIT: name,
        SORT: String((i + 1) * 10),
        SYSTEM: i === 0 || semantics !== '' ? 'Y' : 'N',
        CATEGORY_ID: String(categoryId),
        COLOR: color,
        SEMANTICS: semantics === '' ? null : semantics,
        EXTRA: { SEMANTICS: semantics === 'S' ? 'success' : semantics === 'F' ? 'failure' : 'process', COLOR: color },
      });
    });
  }
  return rows;
}

export const statusMethods: MethodTable = {
  'crm.status.list': (params: Params, ctx) => {
    const spec = parseListSpec(params);
    const rows = stageRows().filter((row) => matchesFilter(row, spec.filter, { resolve: rowResolver, offsetMinutes: ctx.portal.offset }));
    const order = spec.order.length > 0 ? spec.order : ([['SORT', 'ASC']] as Array<[string, 'ASC' | 'DESC']>);
    const page = paginate(sortRows(rows, order, rowResolver, ctx.portal.offset), spec.start);
    return { result: page.items, total: page.total, next: page.next };
  },
  'server.time': (_params, ctx) => ({ result: ctx.portal.formatDate(new Date()) }),
};
