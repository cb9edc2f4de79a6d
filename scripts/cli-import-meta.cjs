// Injected into the CommonJS CLI bundle: what `import.meta.url` means there.
export const __cbImportMetaUrl = require('node:url').pathToFileURL(__filename).href;
