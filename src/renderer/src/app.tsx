import type { JSX } from 'react';

export function App(): JSX.Element {
  return (
    <main>
      <h1>Claude Bottle</h1>
    </main>
  );
}
