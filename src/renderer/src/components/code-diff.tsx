import { useEffect, useRef, type JSX } from 'react';
import { syntaxHighlighting } from '@codemirror/language';
import { MergeView, unifiedMergeView } from '@codemirror/merge';
import { EditorState, type Extension } from '@codemirror/state';
import { EditorView, highlightSpecialChars, lineNumbers } from '@codemirror/view';
import { classHighlighter } from '@lezer/highlight';
import { languageFor } from '../lib/code-language';

export type DiffLayout = 'split' | 'unified';

/** Unchanged stretches longer than this fold away (three lines kept each side); a click opens them. */
const COLLAPSE = { margin: 3, minSize: 4 } as const;

/**
 * One file's change in CodeMirror's merge view: both versions side by side, or the agent's with the
 * removed lines between, words that changed marked, syntax coloured, unchanged context folded.
 * Read-only. Loaded on demand (its own chunk). `onLine` should be stable (a state setter): a new
 * one rebuilds the editor. A click on a line of the agent's version reports
 * that line's number, for a review comment. Special characters are shown as placeholders, so the
 * agent's text cannot hide anything.
 */
export default function CodeDiff({
  path,
  before,
  after,
  layout,
  onLine,
}: {
  path: string;
  before: string;
  after: string;
  layout: DiffLayout;
  onLine: (line: number) => void;
}): JSX.Element {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const parent = host.current;
    if (parent === null) return;
    const shared: Extension[] = [
      EditorState.readOnly.of(true),
      EditorView.editable.of(false),
      lineNumbers(),
      highlightSpecialChars(),
      syntaxHighlighting(classHighlighter),
      EditorView.lineWrapping,
      ...languageFor(path),
    ];
    // Only the agent's side is clickable for comments: its line numbers are the ones the agent has.
    const click = EditorView.domEventHandlers({
      click: (event, view) => {
        const position = view.posAtCoords({ x: event.clientX, y: event.clientY });
        if (position !== null) onLine(view.state.doc.lineAt(position).number);
        return false;
      },
    });
    if (layout === 'split') {
      const merge = new MergeView({
        a: { doc: before, extensions: shared },
        b: { doc: after, extensions: [...shared, click] },
        parent,
        highlightChanges: true,
        gutter: true,
        collapseUnchanged: COLLAPSE,
      });
      return () => merge.destroy();
    }
    const view = new EditorView({
      parent,
      state: EditorState.create({
        doc: after,
        extensions: [
          ...shared,
          click,
          unifiedMergeView({
            original: before,
            highlightChanges: true,
            gutter: true,
            mergeControls: false,
            syntaxHighlightDeletions: true,
            collapseUnchanged: COLLAPSE,
          }),
        ],
      }),
    });
    return () => view.destroy();
  }, [path, before, after, layout, onLine]);

  return <div ref={host} className={`code-diff code-diff-${layout}`} data-testid="code-diff" data-layout={layout} />;
}
