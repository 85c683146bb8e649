import { exitCodeOf, parseAdoptArgs } from './adopt.cli';
import type { AdoptionReport } from './adoption-report';

const report = (verdict: AdoptionReport['verdict']) => ({ verdict }) as AdoptionReport;

describe('adopt CLI', () => {
  it('parses its flags and refuses anything else', () => {
    expect(parseAdoptArgs([])).toEqual({ dryRun: false, json: false, quiet: false });
    expect(parseAdoptArgs(['--dry-run', '--json', '--quiet'])).toEqual({ dryRun: true, json: true, quiet: true });
    expect(parseAdoptArgs(['--help'])).toEqual({ help: true });
    expect(parseAdoptArgs(['--dryrun'])).toEqual({ error: 'unknown argument "--dryrun"' });
  });

  it('maps each outcome to its exit code', () => {
    expect(exitCodeOf({ kind: 'dry-run', report: report('ready') })).toBe(0);
    expect(exitCodeOf({ kind: 'dry-run', report: report('blocked') })).toBe(2);
    expect(exitCodeOf({ kind: 'blocked', report: report('blocked') })).toBe(2);
    expect(exitCodeOf({ kind: 'unrecognised', reason: 'empty' })).toBe(3);
    expect(exitCodeOf({ kind: 'already-ours', adoptedAt: null, migrationsApplied: [] })).toBe(0);
  });
});
