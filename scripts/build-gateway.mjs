// Bundles the network gateway (src/gateway/main.ts, issue 19) with proxy-chain and zod into one
// CommonJS file that plain node runs in the gateway container: the image needs node and this file,
// nothing else. `node scripts/build-gateway.mjs [outfile]`; build-cli.mjs runs it for `npm run build`.
import { build } from 'esbuild';

export const GATEWAY_BUNDLE = 'out/gateway/gateway.cjs';

export async function buildGateway(outfile = GATEWAY_BUNDLE) {
  await build({
    entryPoints: ['src/gateway/main.ts'],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    // proxy-chain recognises its refusals by `error.name === 'RequestError'` (the class's own name):
    // minified names would turn every readable 403 into "Internal error in proxy server".
    keepNames: true,
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await buildGateway(process.argv[2]);
