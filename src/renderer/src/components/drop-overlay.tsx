import { useEffect, useState, type JSX } from 'react';
import { applyDrop } from '../lib/launch-actions';
import { hasFiles, readDrop } from '../lib/drop';

/** The whole window is the drop zone; this overlay shows while something is dragged over it. */
export function DropOverlay(): JSX.Element | null {
  const [active, setActive] = useState(false);

  useEffect(() => {
    let depth = 0;
    const onEnter = (event: DragEvent): void => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      depth += 1;
      setActive(true);
    };
    const onOver = (event: DragEvent): void => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      if (event.dataTransfer !== null) event.dataTransfer.dropEffect = 'copy';
    };
    const onLeave = (): void => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) setActive(false);
    };
    const onDrop = (event: DragEvent): void => {
      // Without preventDefault the browser would navigate to the dropped file.
      event.preventDefault();
      depth = 0;
      setActive(false);
      if (event.dataTransfer === null) return;
      applyDrop(readDrop(event.dataTransfer, (file) => window.claudeBottle.getPathForFile(file)));
    };
    window.addEventListener('dragenter', onEnter);
    window.addEventListener('dragover', onOver);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragenter', onEnter);
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('drop', onDrop);
    };
  }, []);

  if (!active) return null;
  return (
    <div className="drop-overlay" aria-hidden="true">
      <div className="drop-overlay-box">Drop the project folder to start a bottle</div>
    </div>
  );
}
