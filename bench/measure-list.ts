// Lists every bottle the way `claude-bottle ls` does and prints the process's peak RSS in KiB.
import { createBottleContext } from '../src/core/services/bottle-context';
import { listBottles } from '../src/core/bottles/bottle-list';
import { rebuildFieldsProvider } from '../src/core/services/rebuild-hooks';

await listBottles(createBottleContext(), { rebuildFields: rebuildFieldsProvider() });
process.stdout.write(String(process.resourceUsage().maxRSS));
