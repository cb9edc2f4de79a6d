import { UsageError } from './cli-io';

/** Everything on a piped stdin, e.g. `claude setup-token | claude-bottle credentials set …`. */
async function readAll(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

/** One line typed at the terminal without echoing it; Ctrl-C or Ctrl-D gives up. */
async function readHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = '';
      const onData = (chunk: string): void => {
        for (const char of chunk) {
          if (char === '\r' || char === '\n') {
            stdin.off('data', onData);
            resolve(value);
            return;
          }
          if (char === '\u0003' || char === '\u0004') {
            stdin.off('data', onData);
            reject(new UsageError('cancelled: nothing was stored'));
            return;
          }
          if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
          else value += char;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}

/** A secret from stdin: typed hidden at a terminal, or piped in. */
export async function readSecret(prompt: string): Promise<string> {
  return process.stdin.isTTY ? readHidden(prompt) : readAll();
}
