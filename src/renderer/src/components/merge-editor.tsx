import { useEffect, useRef, type JSX } from 'react';
import { syntaxHighlighting } from '@codemirror/language';
import { unifiedMergeView } from '@codemirror/merge';
import { EditorState, type Extension } from '@codemirror/state';
import {
  Decoration,
  EditorView,
  highlightSpecialChars,
  lineNumbers,
  MatchDecorator,
  ViewPlugin,
  type DecorationSet,
  type ViewUpdate,
} from '@codemirror/view';
import { classHighlighter } from '@lezer/highlight';
import { languageFor } from '../lib/code-language';

/** Conflict markers stand out in the result, so none is saved by mistake. */
const markers = new MatchDecorator({
  regexp: /^(?:<{7}|={7}|>{7})(?: .*)?$/gm,
  decoration: Decoration.mark({ class: 'merge-marker' }),
});
const markerHighlight = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;
    constructor(view: EditorView) {
      this.decorations = markers.createDeco(view);
    }
    update(update: ViewUpdate): void {
      this.decorations = markers.updateDeco(update, this.decorations);
    }
  },
  { decorations: (plugin) => plugin.decorations },
);

/**
 * Lines split at "\n" only: a "\r" stays in the text (shown as a placeholder), so what Save writes
 * has exactly the line ends it was given (CodeMirror would otherwise turn every CRLF into LF).
 */
function common(path: string): Extension[] {
  return [
    EditorState.lineSeparator.of('\n'),
    lineNumbers(),
    highlightSpecialChars(),
    syntaxHighlighting(classHighlighter),
    EditorView.lineWrapping,
    ...languageFor(path),
  ];
}

/** One read-only version; against the start, its changes are marked and the start's lines shown removed. */
function ReadOnlyPane({ path, text, base, label }: { path: string; text: string; base: string | null; label: string }): JSX.Element {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const parent = host.current;
    if (parent === null) return;
    const extensions = [...common(path), EditorState.readOnly.of(true), EditorView.editable.of(false)];
    if (base !== null)
      extensions.push(
        unifiedMergeView({ original: base, highlightChanges: true, gutter: true, mergeControls: false, syntaxHighlightDeletions: true }),
      );
    extensions.push(EditorView.contentAttributes.of({ 'aria-label': label }));
    const view = new EditorView({ parent, state: EditorState.create({ doc: text, extensions }) });
    return () => view.destroy();
  }, [path, text, base, label]);
  return <div ref={host} className="merge-pane-editor code-diff" />;
}

export interface MergeEditorProps {
  path: string;
  base: string;
  host: string;
  agent: string;
  /** What the result starts as; a new `seed.version` replaces the result with `seed.text`. */
  seed: { text: string; version: number };
  onResult: (text: string) => void;
}

/**
 * The three-way merge view (CodeMirror, its own chunk): the start, the operator's version and the
 * agent's side by side (each with its changes since the start marked), and below them the result,
 * editable, seeded with the line merge; conflict markers stand out in it. Special characters show
 * as placeholders, so the agent's text cannot hide anything.
 */
export default function MergeEditor({ path, base, host, agent, seed, onResult }: MergeEditorProps): JSX.Element {
  const resultHost = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const report = useRef(onResult);
  useEffect(() => {
    report.current = onResult;
  }, [onResult]);

  useEffect(() => {
    const parent = resultHost.current;
    if (parent === null) return;
    const editor = new EditorView({
      parent,
      state: EditorState.create({
        doc: seed.text,
        extensions: [
          ...common(path),
          markerHighlight,
          EditorView.contentAttributes.of({ 'aria-label': `Merge result of ${path}`, 'data-testid': 'merge-result' }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) report.current(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
    // The result is created once per file; a new seed replaces its text below instead.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [path]);

  // Only a new seed (Take host, Take agent, Reset) replaces the result: never the operator's typing.
  const seedText = useRef(seed.text);
  useEffect(() => {
    seedText.current = seed.text;
  }, [seed.text]);
  useEffect(() => {
    const editor = view.current;
    if (editor === null || editor.state.doc.toString() === seedText.current) return;
    editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: seedText.current } });
  }, [seed.version]);

  return (
    <div className="merge-editor" data-testid="merge-editor">
      <div className="merge-sides">
        <section className="merge-pane" aria-label="At the start">
          <h4>At the start</h4>
          <ReadOnlyPane path={path} text={base} base={null} label={`${path} at the start`} />
        </section>
        <section className="merge-pane" aria-label="Yours (project folder)" data-testid="merge-host">
          <h4>Yours (project folder)</h4>
          <ReadOnlyPane path={path} text={host} base={base} label={`${path}, your version`} />
        </section>
        <section className="merge-pane" aria-label="The agent’s" data-testid="merge-agent">
          <h4>The agent’s</h4>
          <ReadOnlyPane path={path} text={agent} base={base} label={`${path}, the agent’s version`} />
        </section>
      </div>
      <section className="merge-pane merge-result" aria-label="Result">
        <h4>Result (edit it; this is what Save writes)</h4>
        <div ref={resultHost} className="merge-pane-editor code-diff" />
      </section>
    </div>
  );
}
