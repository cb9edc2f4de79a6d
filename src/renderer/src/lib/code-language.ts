import { css } from '@codemirror/lang-css';
import { javascript } from '@codemirror/lang-javascript';
import { json } from '@codemirror/lang-json';
import { markdown } from '@codemirror/lang-markdown';
import { python } from '@codemirror/lang-python';
import type { Extension } from '@codemirror/state';

/** The language a path is coloured as in CodeMirror, by its extension; none for the rest. */
export function languageFor(path: string): Extension[] {
  const extension = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase() ?? '';
  if (['js', 'mjs', 'cjs', 'jsx'].includes(extension)) return [javascript({ jsx: true })];
  if (['ts', 'mts', 'cts', 'tsx'].includes(extension)) return [javascript({ typescript: true, jsx: extension === 'tsx' })];
  if (extension === 'py') return [python()];
  if (extension === 'json') return [json()];
  if (['css', 'scss', 'less'].includes(extension)) return [css()];
  if (['md', 'markdown'].includes(extension)) return [markdown()];
  return [];
}
