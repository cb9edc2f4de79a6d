// Lists every bottle the way `claude-bottle ls` does and prints the process's peak RSS in KiB.
import { createBottleContext } from '../src/main/core/bottle-context';
import { listBottles } from '../src/main/core/bottle-list';
import { rebuildFieldsProvider } from '../src/main/core/rebuild-hooks';

await listBottles(createBottleContext(), { rebuildFields: rebuildFieldsProvider() });
process.stdout.write(String(process.resourceUsage().maxRSS));
