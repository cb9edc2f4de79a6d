import { useEffect, type JSX } from 'react';
import { useUiStore, type Notice } from '../stores/ui-store';

const LIFETIME_MS = { info: 4000, warning: 8000, error: 12000 } as const;

function NoticeItem({ notice }: { notice: Notice }): JSX.Element {
  const dismiss = useUiStore((state) => state.dismiss);
  useEffect(() => {
    const timer = window.setTimeout(() => dismiss(notice.id), LIFETIME_MS[notice.level]);
    return () => window.clearTimeout(timer);
  }, [notice.id, notice.level, dismiss]);
  return (
    <li className={`notice notice-${notice.level}`} data-testid="notice">
      <span>{notice.message}</span>
      <button type="button" className="notice-close" onClick={() => dismiss(notice.id)} aria-label="Dismiss">
        ×
      </button>
    </li>
  );
}

export function Notices(): JSX.Element {
  const notices = useUiStore((state) => state.notices);
  return (
    <ol className="notices" aria-live="polite">
      {notices.map((notice) => (
        <NoticeItem key={notice.id} notice={notice} />
      ))}
    </ol>
  );
}
