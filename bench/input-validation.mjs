// Cost of the request-input rules (issue 14) on POST /ticket bodies, in-process on the compiled app:
// the shape check (NUL, lone surrogates, depth) and the whole global pipeline (InputShapePipe, then the
// StrictValidationPipe with the DTO's decorators), for a typical body and for one at the 25 MB request limit.
// `node bench/input-validation.mjs [--runs N]` after `npm run build`; prints ms per body (p50 / p95).
import { createRequire } from 'node:module';
import path from 'node:path';
import { ensureBuilt, numberArg, percentile, ROOT } from './support.mjs';

ensureBuilt();
const require = createRequire(import.meta.url);
require('reflect-metadata');
const { InputShapePipe, findShapeProblem } = require(path.join(ROOT, 'dist/src/common/input-shape.pipe.js'));
const { StrictValidationPipe } = require(path.join(ROOT, 'dist/src/common/validation/strict-validation.pipe.js'));
const { validationException } = require(path.join(ROOT, 'dist/src/common/validation/validation-exception.factory.js'));
const { TicketCreateDto } = require(path.join(ROOT, 'dist/src/tickets/dto/ticket-create.dto.js'));

const runs = numberArg('runs', 30);
const shape = new InputShapePipe();
const validation = new StrictValidationPipe({
  whitelist: true,
  transform: true,
  dismissDefaultMessages: true,
  validationError: { target: false, value: true },
  exceptionFactory: validationException,
});
const metadata = { type: 'body', metatype: TicketCreateDto, data: undefined };

const typical = {
  title: 'Sistema travando ao gerar relatório',
  description: "Ao clicar em 'Gerar Relatório', o sistema congela. ".repeat(20),
  priority: 'Alto',
  service_category: 'Sistema Financeiro',
  resp_id: '1',
  attachments: [{ filename: 'print.png', content: Buffer.alloc(50_000, 7).toString('base64') }],
};
// 20 files of 1.25 MB: 25 MB decoded, the default MAX_REQUEST_ATTACHMENT_BYTES.
const atLimit = {
  ...typical,
  attachments: Array.from({ length: 20 }, (_, i) => ({ filename: `anexo-${i}.bin`, content: Buffer.alloc(1_310_720, i).toString('base64') })),
};

/** p50 / p95 in ms of `runs` timed calls, after 3 warm-up calls. */
async function time(fn) {
  const samples = [];
  for (let i = 0; i < 3; i += 1) await fn();
  for (let i = 0; i < runs; i += 1) {
    const t0 = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return `${percentile(samples, 50).toFixed(2)} / ${percentile(samples, 95).toFixed(2)}`;
}

/** The check before issue 14 (NUL characters only), for comparison. */
function nulOnly(value) {
  const stack = [value];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return true;
    } else if (v && typeof v === 'object') for (const child of Object.values(v)) stack.push(child);
  }
  return false;
}

console.log(`Input rules on POST /ticket bodies, ${runs} runs each, ms per body (p50 / p95), Node ${process.version}`);
console.log('| body | NUL-only scan (before) | shape check (NUL + lone surrogate + depth) | whole pipeline (shape + DTO validation) |');
console.log('| --- | ---: | ---: | ---: |');
for (const [name, body] of [
  ['typical (1 file of 50 KB)', typical],
  ['at the request limit (20 files, 25 MB)', atLimit],
]) {
  if (findShapeProblem(body)) throw new Error('the bench body should be valid');
  const before = await time(() => nulOnly(body));
  const now = await time(() => findShapeProblem(body));
  const pipeline = await time(() => validation.transform(shape.transform(body, metadata), metadata));
  console.log(`| ${name} | ${before} | ${now} | ${pipeline} |`);
}
