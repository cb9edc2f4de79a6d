import { describe, expect, it } from 'vitest';
import type { BottleView, PendingRequestView } from '../../../shared/bottle-view';
import { testView } from '../../../../test/helpers/test-views';
import { arrangeBottles } from './list-arrangement';

const pending = {
  id: 'r',
  reason: 'jq',
  createdAt: '',
  diff: '',
  currentDockerfile: '',
  proposedDockerfile: '',
  buildError: null,
  proposalHash: '',
  risks: [],
} satisfies PendingRequestView;
const views = [
  testView({ identity: 'a-00001', status: 'running', cwd: '/src/web' }),
  testView({ identity: 'b-00002', status: 'exited', cwd: '/src/api', agentName: 'codex' }),
  testView({ identity: 'c-00003', status: 'running', cwd: '/src/api', pendingRequest: pending }),
  testView({ identity: 'd-00004', status: 'corrupt', cwd: null, name: 'Login-Fix' }),
  testView({ identity: 'e-00005', status: 'ready-to-resume', cwd: '/src/web' }),
];
// Newest first, as the bottles store keeps it.
const order = views.map((view) => view.identity);
const byIdentity: Record<string, BottleView> = Object.fromEntries(views.map((view) => [view.identity, view]));
const bottles = (arrangement: ReturnType<typeof arrangeBottles>): string[] => arrangement.identities;

describe('arranging the list', () => {
  it('sorts by age, status (what needs the operator first) or project, newest first within', () => {
    expect(bottles(arrangeBottles(order, byIdentity, { filter: '', sort: 'age', group: false }))).toEqual(order);
    expect(bottles(arrangeBottles(order, byIdentity, { filter: '', sort: 'status', group: false }))).toEqual([
      'c-00003',
      'a-00001',
      'b-00002',
      'e-00005',
      'd-00004',
    ]);
    expect(bottles(arrangeBottles(order, byIdentity, { filter: '', sort: 'project', group: false }))).toEqual([
      'd-00004',
      'b-00002',
      'c-00003',
      'a-00001',
      'e-00005',
    ]);
  });

  it('filters on identity, name, agent, folder and status', () => {
    expect(bottles(arrangeBottles(order, byIdentity, { filter: 'login-fix', sort: 'age', group: false }))).toEqual(['d-00004']);
    expect(bottles(arrangeBottles(order, byIdentity, { filter: ' CODEX ', sort: 'age', group: false }))).toEqual(['b-00002']);
    expect(bottles(arrangeBottles(order, byIdentity, { filter: '/src/web', sort: 'age', group: false }))).toEqual(['a-00001', 'e-00005']);
    expect(arrangeBottles(order, byIdentity, { filter: 'nothing', sort: 'age', group: true }).items).toEqual([]);
  });

  it('groups by project folder, groups in the order of their first bottle, with counts', () => {
    const grouped = arrangeBottles(order, byIdentity, { filter: '', sort: 'age', group: true });
    expect(grouped.items.map((item) => (item.kind === 'group' ? `[${item.label} ${item.count}/${item.waiting}]` : item.identity))).toEqual([
      '[/src/web 2/0]',
      'a-00001',
      'e-00005',
      '[/src/api 2/1]',
      'b-00002',
      'c-00003',
      '[(no project folder) 1/0]',
      'd-00004',
    ]);
    expect(grouped.identities).toEqual(['a-00001', 'e-00005', 'b-00002', 'c-00003', 'd-00004']);
    const byStatus = arrangeBottles(order, byIdentity, { filter: '', sort: 'status', group: true });
    expect(byStatus.identities).toEqual(['c-00003', 'b-00002', 'a-00001', 'e-00005', 'd-00004']);
  });
});
