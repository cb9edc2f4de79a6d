import type { JSX } from 'react';
import type { RiskNote } from '../../../shared/dockerfile-risks';
import { escapeControl } from '../../../shared/escape-text';

/**
 * Lines of a Dockerfile worth a second look, each with why. They inform the decision and never
 * block it; with none, a quiet line says the check ran.
 */
export function RiskNotes({ risks }: { risks: RiskNote[] }): JSX.Element {
  if (risks.length === 0) {
    return (
      <section className="risk-notes is-empty" data-testid="risk-notes">
        <h3>Worth a second look</h3>
        <p className="muted">
          Nothing flagged: no download piped to a shell, new package source, setuid bit, root user or custom registry.
        </p>
      </section>
    );
  }
  return (
    <section className="risk-notes" data-testid="risk-notes" aria-label="Worth a second look">
      <h3>Worth a second look ({risks.length})</h3>
      <ul>
        {risks.map((risk, index) => (
          <li key={index} className="risk-note" data-kind={risk.kind}>
            <span className="risk-line">line {risk.line}</span>
            <code className="risk-text" title={escapeControl(risk.text)}>
              {escapeControl(risk.text)}
            </code>
            <span className="risk-why">{risk.why}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
