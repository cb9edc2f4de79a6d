/**
 * Risk notes on a proposed Dockerfile: lines that deserve a second look before the operator
 * approves, each with a one-line why. They inform and never block (a curl | sh can be exactly
 * what the agent needs). Pure: the core attaches them to a request, the CLI and the UI show them.
 */
import { finalUser, isRootUser, logicalLines, type LogicalLine } from './dockerfile-lines';

export type RiskKind =
  | 'pipe-to-shell'
  | 'remote-add'
  | 'package-source'
  | 'root-user'
  | 'setuid'
  | 'privilege'
  | 'custom-registry'
  | 'numeric-user'
  | 'account-edit'
  | 'uid-zero'
  | 'swallowed-line';

export interface RiskNote {
  kind: RiskKind;
  /** 1-based line of the proposed Dockerfile the note is about. */
  line: number;
  /** That instruction, continuation lines joined (shown escaped by whoever prints it). */
  text: string;
  why: string;
}

interface Rule {
  kind: Exclude<RiskKind, 'root-user' | 'swallowed-line'>;
  /** Instruction keywords the rule applies to. */
  keywords: readonly string[];
  patterns: readonly RegExp[];
  why: string;
}

const SHELLS = '(?:sudo\\s+(?:-\\S+\\s+)*)?(?:\\S*/)?(?:ba|da|z|k|c|tc|fi)?sh|(?:\\S*/)?(?:python[0-9.]*|perl|ruby|node|php)';
const FETCH = '(?:curl|wget|fetch|iwr|invoke-webrequest)';
const ACCOUNT_FILES = '/etc/(?:passwd|shadow|group|gshadow)\\b';

const RULES: readonly Rule[] = [
  {
    kind: 'pipe-to-shell',
    keywords: ['RUN', 'CMD', 'ENTRYPOINT'],
    patterns: [
      new RegExp(`\\b${FETCH}\\b[^|;&]*\\|\\s*(?:${SHELLS})\\b`, 'i'),
      new RegExp(`(?:${SHELLS})\\s+(?:-\\S+\\s+)*(?:<\\(|-c\\s+["']?\\$\\()\\s*${FETCH}\\b`, 'i'),
      new RegExp(`\\b(?:source|\\.)\\s+<\\(\\s*${FETCH}\\b`, 'i'),
    ],
    why: 'runs a script downloaded at build time: its content is not in this diff and can change at any time',
  },
  {
    kind: 'remote-add',
    keywords: ['ADD'],
    patterns: [/^ADD\s+(?:--\S+\s+)*(?:https?|ftp|git|ssh):\/\//i, /^ADD\s+(?:--\S+\s+)*\S+@\S+:\S+/i],
    why: 'ADD downloads from a URL at build time: what arrives is not in this diff',
  },
  {
    kind: 'package-source',
    keywords: ['RUN', 'COPY', 'ADD'],
    patterns: [
      /\/etc\/apt\/sources\.list/i,
      /\bapt-key\b/i,
      /\badd-apt-repository\b/i,
      /\/etc\/apt\/(?:trusted\.gpg|keyrings)|\/usr\/share\/keyrings\//i,
      /\[\s*[^\]]*(?:signed-by|trusted)\s*=/i,
      /--allow-(?:unauthenticated|insecure-repositories|downgrades)\b/i,
      /\b(?:yum-config-manager|dnf\s+config-manager|zypper\s+(?:ar|addrepo))\b/i,
      /\/etc\/yum\.repos\.d\//i,
      /\brpm\s+(?:-\S+\s+)*--import\b/i,
      /\/etc\/apk\/(?:repositories|keys)/i,
      /\bapk\b.*--allow-untrusted\b/i,
      /--nogpgcheck\b|gpgcheck\s*=\s*0/i,
    ],
    why: 'adds a package source or signing key: every package from it is trusted from now on',
  },
  {
    kind: 'setuid',
    keywords: ['RUN'],
    patterns: [
      /\bchmod\s+(?:-\S+\s+)*(?:[ugoa]*[+=][rwxXt]*s|0?[2-7][0-7]{3})\b/i,
      /\bsetcap\b/i,
      /\/etc\/sudoers|\bNOPASSWD\b|\bvisudo\b/i,
    ],
    why: 'grants a way to more privileges (setuid/setgid bit, file capabilities or sudo rights)',
  },
  {
    kind: 'numeric-user',
    keywords: ['USER'],
    // `USER 0` and `USER 0:0` read as root plainly (and are flagged when the image ends so).
    patterns: [/^USER\s+(?!0(?::|\s|$))[+-]?[0-9]+(?::|\s|$)/i],
    why: 'a USER by number runs as that uid whatever the image names it, and 0 written any way (00, +0, -0) is root',
  },
  {
    kind: 'account-edit',
    keywords: ['RUN', 'COPY', 'ADD'],
    patterns: [
      new RegExp(`>>?\\s*${ACCOUNT_FILES}`, 'i'),
      new RegExp(
        `\\b(?:sed|perl|ruby|python[0-9.]*|awk|gawk|ed|ex|vim?|tee|cp|mv|install|ln|dd|rsync|truncate|busybox)\\b[^;&|]*${ACCOUNT_FILES}`,
        'i',
      ),
      /\b(?:chpasswd|chgpasswd|newusers|vipw|vigr|pwconv|grpconv)\b/i,
      new RegExp(`^(?:COPY|ADD)\\b.*\\s(?:${ACCOUNT_FILES}|/etc/?)\\s*$`, 'i'),
    ],
    why: 'writes the account files (passwd, shadow, group): a user given uid 0 there is root whatever its name',
  },
  {
    kind: 'uid-zero',
    keywords: ['RUN'],
    patterns: [
      /\b(?:usermod|useradd|adduser|groupmod|groupadd|addgroup)\b[^;&|]*\s(?:--non-unique\b|-[a-zA-Z]*o[a-zA-Z]*(?=\s|$))/i,
      /\b(?:usermod|useradd|adduser)\b[^;&|]*\s(?:-[a-zA-Z]*u\s*|--uid(?:=|\s+))["']?[+-]?0+["']?(?=[\s;&|]|$)/i,
    ],
    why: 'gives an account uid 0, or a uid another account already has (-o): that account is root, or that other user, whatever its name',
  },
  {
    kind: 'privilege',
    keywords: ['RUN', 'ENV', 'ARG', 'CMD', 'ENTRYPOINT', 'LABEL', 'VOLUME', 'COPY', 'ADD'],
    patterns: [
      /--privileged\b/i,
      /--cap-add\b|\bCAP_SYS_ADMIN\b|\bCAP_NET_ADMIN\b|\bCAP_SYS_PTRACE\b/i,
      /docker\.sock\b|\bDOCKER_HOST\b/i,
      /(?:seccomp|apparmor)[=:]unconfined|--security-opt\b/i,
      /\bnsenter\b|\bunshare\b|--pid[= ]host|--net(?:work)?[= ]host/i,
      /\bLD_PRELOAD\b|\/etc\/ld\.so\.preload/i,
    ],
    why: 'looks for privileges the bottle never grants (privileged mode, capabilities, the Docker socket, host namespaces, preloading)',
  },
  {
    kind: 'custom-registry',
    keywords: ['RUN', 'ENV', 'ARG', 'COPY', 'ADD'],
    patterns: [
      /\b(?:npm|yarn|pnpm)\b[^&;|]*(?:\bconfig\s+set\s+(?:@\S+:)?registry|--registry\b)/i,
      /\b(?:NPM_CONFIG_REGISTRY|YARN_REGISTRY|npm_config_registry)\b/,
      /\bpip[0-9.]*\b[^&;|]*(?:--(?:extra-)?index-url\b|\s-i\s+\S+|--trusted-host\b)/i,
      /\bPIP_(?:EXTRA_)?INDEX_URL\b|\bPIP_TRUSTED_HOST\b|\bUV_(?:EXTRA_)?INDEX_URL\b|\bpip\.conf\b/,
      /\bgem\s+sources\s+(?:-a|--add)\b|\bgem\s+install\b[^&;|]*--source\b/i,
      /\bGOPROXY\s*=|\bGONOSUMDB\b|\bGOINSECURE\b|\bGOFLAGS\s*=.*-insecure/,
      /\bcargo\b[^&;|]*--(?:index|registry)\b|\bCARGO_REGISTRIES_/i,
      /(?:^|[\s/.])npmrc\b|\.yarnrc/i,
      /\bregistry\s*[=:]\s*["']?https?:\/\//i,
      /\bcomposer\s+config\b[^&;|]*repositories/i,
    ],
    why: 'points a package manager at a custom registry or index: packages come from there instead of the default',
  },
];

function matchesRule(instruction: LogicalLine, rule: Rule): boolean {
  return rule.keywords.includes(instruction.keyword) && rule.patterns.some((pattern) => pattern.test(instruction.text));
}

const INSTRUCTION_START =
  /^\s*(?:FROM|RUN|CMD|LABEL|EXPOSE|ENV|ADD|COPY|ENTRYPOINT|VOLUME|USER|WORKDIR|ARG|ONBUILD|STOPSIGNAL|HEALTHCHECK|SHELL)\s/i;

/** A line continued into a line that reads as an instruction of its own: Docker joins them. */
function swallowedLines(instructions: LogicalLine[]): RiskNote[] {
  const notes: RiskNote[] = [];
  for (const instruction of instructions) {
    for (const raw of instruction.raw.slice(1)) {
      if (!INSTRUCTION_START.test(raw)) continue;
      notes.push({
        kind: 'swallowed-line',
        line: instruction.line,
        text: instruction.text,
        why: `the line before "${raw.trim().slice(0, 60)}" ends in a line continuation, so Docker reads it as part of this ${instruction.keyword}, not as an instruction of its own`,
      });
    }
  }
  return notes;
}

/** Counts of each instruction text, to tell lines the proposal adds from lines it keeps. */
function textCounts(instructions: LogicalLine[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const instruction of instructions) counts.set(instruction.text, (counts.get(instruction.text) ?? 0) + 1);
  return counts;
}

/**
 * The notes for a proposed Dockerfile, in line order. With `current`, only what the proposal adds
 * is flagged (a line kept from the running Dockerfile was reviewed before); without it, all of it.
 */
export function dockerfileRiskNotes(proposed: string, current?: string): RiskNote[] {
  const instructions = logicalLines(proposed);
  const kept = current === undefined ? new Map<string, number>() : textCounts(logicalLines(current));
  const notes: RiskNote[] = [];
  for (const instruction of instructions) {
    const left = kept.get(instruction.text) ?? 0;
    if (left > 0) {
      kept.set(instruction.text, left - 1);
      continue;
    }
    for (const rule of RULES) {
      if (matchesRule(instruction, rule)) notes.push({ kind: rule.kind, line: instruction.line, text: instruction.text, why: rule.why });
    }
  }
  notes.push(...swallowedLines(instructions));
  const user = finalUser(proposed);
  const wasRoot = current === undefined ? false : isRootUser(finalUser(current));
  if (isRootUser(user) && !wasRoot) {
    const lastUser = [...instructions].reverse().find((instruction) => instruction.keyword === 'USER');
    notes.push({
      kind: 'root-user',
      line: lastUser?.line ?? 1,
      text: lastUser?.text ?? `USER ${user ?? 'root'}`,
      why: 'the image ends as root: the agent runs as root unless its agent.json names another user',
    });
  }
  return notes.sort((a, b) => a.line - b.line);
}
