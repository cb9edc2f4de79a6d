import { COMPARE_SOURCES, type BottleComparison, type ComparedFile } from '../shared/bottle-compare';
import { escapeLine } from '../shared/escape-text';

/*
 * `claude-bottle diff <id> --against <other>`: names and link targets are the agents' (either
 * bottle's): each is escaped and kept on its own line, as changes-output.ts does, unless --raw.
 */
type Shown = (text: string) => string;

const LETTER: Record<ComparedFile['status'], string> = { differs: 'M', 'only-here': '<', 'only-there': '>' };

function octal(mode: number | null): string {
  return mode === null ? '-' : mode.toString(8).padStart(3, '0');
}

function headline(result: BottleComparison): string {
  const t = result.totals;
  if (result.files.length === 0)
    return `${result.identity} and ${result.against}: the workspaces hold the same files (${result.identity} read from ${COMPARE_SOURCES[result.hereSource]}, ${result.against} from ${COMPARE_SOURCES[result.thereSource]})`;
  return (
    `${result.identity} against ${result.against}: ${result.files.length} file${result.files.length === 1 ? '' : 's'} differ ` +
    `(${t.differs} in both, ${t.onlyHere} only in ${result.identity}, ${t.onlyThere} only in ${result.against}; +${t.insertions} −${t.deletions}); ` +
    `${result.identity} read from ${COMPARE_SOURCES[result.hereSource]}, ${result.against} from ${COMPARE_SOURCES[result.thereSource]}`
  );
}

function describe(file: ComparedFile, result: BottleComparison, show: Shown): string[] {
  const where =
    file.status === 'only-here' ? ` (only in ${result.identity})` : file.status === 'only-there' ? ` (only in ${result.against})` : '';
  const lines = [`${LETTER[file.status]} ${show(file.path)}${where}`];
  if (file.hereMode !== null && file.thereMode !== null && file.hereMode !== file.thereMode)
    lines.push(`  mode ${octal(file.hereMode)} → ${octal(file.thereMode)}`);
  if (file.hereKind === 'symlink' || file.thereKind === 'symlink')
    lines.push(
      `  symlink ${file.hereTarget === null ? '(none)' : show(file.hereTarget)} → ${file.thereTarget === null ? '(none)' : show(file.thereTarget)}`,
    );
  if (file.note !== null) lines.push(`  (${file.note})`);
  return lines;
}

/** A headline, then each file and its unified diff (left: the bottle asked about, right: the other). */
export function formatComparison(result: BottleComparison, raw: boolean): string {
  const show: Shown = raw ? (text) => text : (text) => escapeLine(text);
  const lines = [headline(result)];
  for (const file of result.files) {
    lines.push('', ...describe(file, result, show));
    if (file.diff !== null) lines.push(file.diff.trimEnd());
    if (file.truncated) lines.push('  … cut short (--json has the whole texts up to the caps)');
  }
  return lines.join('\n');
}

/** `--stat`: one line per file, what differs and by how many lines. */
export function formatComparisonStat(result: BottleComparison, raw: boolean): string {
  const show: Shown = raw ? (text) => text : (text) => escapeLine(text);
  const names = result.files.map((file) => show(file.path));
  const width = Math.min(60, Math.max(0, ...names.map((name) => name.length)));
  const lines = result.files.map((file, index) => {
    const name = (names[index] ?? '').padEnd(width);
    const where =
      file.status === 'only-here' ? `only in ${result.identity}` : file.status === 'only-there' ? `only in ${result.against}` : 'differs';
    const counts = file.binary ? 'binary' : `+${file.insertions} −${file.deletions}`;
    return ` ${LETTER[file.status]} ${name} | ${where}, ${counts}`;
  });
  lines.push(headline(result));
  return lines.join('\n');
}
