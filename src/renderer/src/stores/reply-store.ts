import { create } from 'zustand';
import { invoke, messageOf } from '../api/api';
import { taskTextProblem } from '../lib/launch-fields';

/** One bottle's Reply box: what the operator typed, and how the last send went. */
export interface ReplyDraft {
  text: string;
  sending: boolean;
  /** Why the last send failed (or why the text cannot go); null: nothing to say. */
  error: string | null;
  /** Whether the last message went, for a short "Sent" confirmation (reset after SENT_SHOWN_MS). */
  sent: boolean;
}

const EMPTY: ReplyDraft = { text: '', sending: false, error: null, sent: false };

/** How long "Sent" stays beside the box after a message went. */
const SENT_SHOWN_MS = 4000;

interface ReplyState {
  /** Per bottle, so a draft survives its card scrolling out of view (the list unmounts it). */
  drafts: Readonly<Record<string, ReplyDraft>>;
  setText(identity: string, text: string): void;
  /** Types the draft into the agent's terminal (`bottle:send`): cleared on success, kept with the error otherwise. */
  send(identity: string): Promise<void>;
}

export const useReplyStore = create<ReplyState>()((set, get) => {
  const patch = (identity: string, change: Partial<ReplyDraft>): void =>
    set((state) => ({ drafts: { ...state.drafts, [identity]: { ...(state.drafts[identity] ?? EMPTY), ...change } } }));
  return {
    drafts: {},
    setText: (identity, text) => patch(identity, { text, error: null }),
    send: async (identity) => {
      const draft = get().drafts[identity] ?? EMPTY;
      if (draft.sending || draft.text.trim() === '') return;
      const problem = taskTextProblem(draft.text);
      if (problem !== null) {
        patch(identity, { error: problem });
        return;
      }
      patch(identity, { sending: true, error: null, sent: false });
      try {
        await invoke('bottle:send', identity, draft.text);
        // Only what was sent is cleared: text typed meanwhile stays (nothing the operator wrote is lost).
        const now = get().drafts[identity] ?? EMPTY;
        patch(identity, { sending: false, sent: true, text: now.text === draft.text ? '' : now.text });
        window.setTimeout(() => patch(identity, { sent: false }), SENT_SHOWN_MS);
      } catch (error: unknown) {
        patch(identity, { sending: false, error: messageOf(error) });
      }
    },
  };
});

export function useReplyDraft(identity: string): ReplyDraft {
  return useReplyStore((state) => state.drafts[identity] ?? EMPTY);
}
