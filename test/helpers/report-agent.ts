import { TEST_TRANSCRIPT_DIR, writeTestAgent } from './test-agents';

export const REPORT_LOG = `${TEST_TRANSCRIPT_DIR}/log.txt`;

/**
 * A shell agent that reports through the wire contract of issue 21 with nothing but sh and printf
 * (the in-bottle tool is another part's): its status file replaced by rename, permission questions
 * as inbox requests it waits on, each step gated on a file the test creates in /workspace.
 */
export async function writeReportAgent(name: string): Promise<void> {
  const script = [
    'inbox=/run/claude-bottle/inbox',
    `log=${REPORT_LOG}`,
    'mkdir -p "$(dirname "$log")"',
    'gate() { while [ ! -f "/workspace/$1" ]; do sleep 0.1; done; }',
    // state detail [message]: the status file, replaced atomically.
    'status() {',
    '  printf \'{"version":1,"state":"%s","tool":"Bash","detail":"%s","message":"%s","at":"2026-12-03T22:00:00Z"}\' "$1" "$2" "$3" > "$inbox/.tmp-status-$$"',
    '  mv -f "$inbox/.tmp-status-$$" "$inbox/.agent-status"',
    '}',
    // id detail: a permission question, written under a temp name then renamed.
    'ask() {',
    '  printf \'{"version":1,"id":"%s","created_at":"2026-12-03T22:00:00Z","kind":"permission","tool":"Bash","detail":"%s","input":"{\\\\"command\\\\":\\\\"%s\\\\"}","reason":"to check the build"}\' "$1" "$2" "$2" > "$inbox/.tmp-$1"',
    '  mv -f "$inbox/.tmp-$1" "$inbox/$1.json"',
    '}',
    'answer() { while [ ! -f "$inbox/$1.response.json" ]; do sleep 0.1; done; echo "answer $1: $(cat "$inbox/$1.response.json")" >> "$log"; }',
    'if [ "$1" = start ]; then',
    '  status working "npm test"',
    '  ask perm-1-aa "npm test"; answer perm-1-aa',
    '  ask perm-2-bb "rm -rf build"; answer perm-2-bb',
    '  gate g-withdraw; ask perm-3-cc "make deploy"; gate g-delete; rm -f "$inbox/perm-3-cc.json"; echo withdrew >> "$log"',
    // About fifty reports a second for three seconds, then the last one: waiting, with a message.
    '  gate g-flood; i=0; end=$(( $(date +%s) + 3 ))',
    '  while [ "$(date +%s)" -lt "$end" ]; do for k in 1 2 3 4 5 6; do i=$((i + 1)); status working "step $i"; done; sleep 0.1; done',
    '  status waiting "" "all done"; echo "flood $i" >> "$log"',
    '  gate g-bad',
    '  printf \'{"version":1,"state":"dancing","at":"x"}\' > "$inbox/.tmp-status-bad"; mv -f "$inbox/.tmp-status-bad" "$inbox/.agent-status"',
    '  printf \'{"version":1,"id":"perm-9-zz","created_at":"x","kind":"permission","tool":"Bash","detail":"a\\\\u001bb"}\' > "$inbox/.tmp-bad"',
    '  mv -f "$inbox/.tmp-bad" "$inbox/perm-9-zz.json"; echo "bad written" >> "$log"',
    '  gate g-last; ask perm-4-dd "npm publish"; echo "asked last" >> "$log"',
    'fi',
    'exec sleep 3600',
  ].join('\n');
  await writeTestAgent({ name, script });
}
