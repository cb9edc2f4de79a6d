/** What a drop on the window held, decided while the event is live (entries vanish afterwards). */
export type DropResult =
  { kind: 'folder'; path: string } | { kind: 'no-path'; name: string } | { kind: 'file'; name: string } | { kind: 'nothing' };

export function readDrop(dataTransfer: DataTransfer, getPathForFile: (file: File) => string | null): DropResult {
  const item = Array.from(dataTransfer.items).find((candidate) => candidate.kind === 'file');
  const file = item?.getAsFile() ?? dataTransfer.files[0] ?? null;
  if (file === null) return { kind: 'nothing' };
  // The only way a renderer can tell a folder from a file: it cannot stat the path itself.
  const entry = item?.webkitGetAsEntry?.() ?? null;
  if (entry !== null && !entry.isDirectory) return { kind: 'file', name: file.name };
  const path = getPathForFile(file);
  if (path === null) return { kind: 'no-path', name: file.name };
  return { kind: 'folder', path };
}

export function hasFiles(event: DragEvent): boolean {
  return event.dataTransfer !== null && Array.from(event.dataTransfer.types).includes('Files');
}
