import { writeScriptAgent } from './agents';

export const REPORT_AGENT = 'report-agent';

/**
 * A busybox stand-in for an agent that reports through the inbox exactly as the wire contract
 * says (issue 21): its status in `.agent-status` (written to a temp name, then renamed onto it), a
 * permission question as `perm-<epoch>-<hex>.json` (temp name, then rename), the answer awaited as
 * `perm-….response.json`, a withdrawn question deleted. The spec drives it through the mounted
 * project: `.plan` picks the script, `.go-N` files release its steps, and it copies every answer
 * (and the line the operator replied) into the project, where the spec reads them.
 */
const SCRIPT = String.raw`
inbox=/run/claude-bottle/inbox
w=/workspace
umask 022
now() { date -u +%Y-%m-%dT%H:%M:%SZ; }
# A string field, left out when empty (every field but the state is optional).
field() { if [ -n "$2" ]; then printf ',"%s":"%s"' "$1" "$2"; fi; }
report() {
  tmp="$inbox/.tmp-status-$$"
  { printf '{"version":1,"state":"%s"' "$1"; field tool "$2"; field detail "$3"; field message "$4"; printf ',"at":"%s"}' "$(now)"; } > "$tmp"
  mv -f "$tmp" "$inbox/.agent-status"
}
pause() { sleep 0.2 2>/dev/null || sleep 1; }
wait_go() { until [ -f "$w/.go-$1" ]; do pause; done; }
# ask N TOOL DETAIL INPUT REASON: one question; its answer lands in answer-N.json ("withdrawn" when .withdraw-N appears first).
ask() {
  id="perm-$(date +%s)-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
  tmp="$inbox/.tmp-$id.json"
  { printf '{"version":1,"id":"%s","created_at":"%s","kind":"permission"' "$id" "$(now)"; field tool "$2"; field detail "$3"; field input "$4"; field reason "$5"; printf '}'; } > "$tmp"
  mv -f "$tmp" "$inbox/$id.json"
  report permission "$2" "$3"
  echo "$id" > "$w/ask-$1.id"
  until [ -f "$inbox/$id.response.json" ]; do
    if [ -f "$w/.withdraw-$1" ]; then rm -f "$inbox/$id.json"; echo withdrawn > "$w/answer-$1.json"; return; fi
    pause
  done
  cp "$inbox/$id.response.json" "$w/answer-$1.json"
}
reply() { IFS= read -r line; printf '%s\n' "$line" > "$w/reply.txt"; }

# The task given at start arrives as the argument after the mode (agent.json promptArgs).
if [ "$1" = start ] && [ -n "$2" ]; then printf '%s' "$2" > "$w/task.txt"; fi
if [ "$1" = start ]; then
  case "$(cat $w/.plan 2>/dev/null)" in
    full)
      report working Bash "npm test"
      wait_go 1
      ask 1 Bash "npm install left-pad" '{\"command\":\"npm install left-pad\",\"description\":\"Install left-pad\"}' "The build needs left-pad to pad the version column"
      report working Edit "src/login.ts"
      wait_go 2
      ask 2 Edit "src/login.ts" '{\"file_path\":\"/workspace/src/login.ts\",\"old_string\":\"return false\",\"new_string\":\"return true\"}' ""
      wait_go 3
      ask 3 Bash "git push --force" '{\"command\":\"git push --force\"}' "Publish the fix"
      report waiting "" "" "All 12 tests pass. Shall I open a pull request for the login fix?"
      reply
      report working Bash "gh pr create"
      ;;
    ask) report working Bash "make"; ask 1 WebFetch "https://docs.example.com/api" '{\"url\":\"https://docs.example.com/api\"}' "Read the API reference" ;;
    waiting) report waiting "" "" "Done: the flaky test was a race in the session cache. Anything else?"; reply ;;
    finished) report finished "" "" "Refactored the settings loader; all checks green." ;;
    exited) report exited "" "the context window is full" ""; exit 0 ;;
    *) report working Bash "npm run build" ;;
  esac
fi
exec sh -i
`;

/** Writes the agent under <home>/agents/<name>, built on the local busybox image. */
export async function writeReportAgent(home: string, name = REPORT_AGENT, extra: Record<string, unknown> = {}): Promise<void> {
  await writeScriptAgent(home, name, SCRIPT, 'e2e agent that reports its status and asks permission through the inbox', extra);
}
