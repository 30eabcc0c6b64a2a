// Preloaded with `node --import` before src/main.ts (see sandbox-optional.int.test.ts): the Microsoft
// 365 emulator cannot be resolved, as on a machine where it was not installed (`npm install
// --omit=dev`), with the error Node itself gives for a missing package. Removing the real package
// from node_modules would break every other test running on this machine at the same time.
import { registerHooks } from 'node:module';
import { fileURLToPath } from 'node:url';

const emulator = '@mailroom/m365-emulator';

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier === emulator || specifier.startsWith(`${emulator}/`)) {
      throw Object.assign(
        new Error(
          `Cannot find package '${emulator}' imported from ${context.parentURL ? fileURLToPath(context.parentURL) : ''}`,
        ),
        { code: 'ERR_MODULE_NOT_FOUND' },
      );
    }
    return nextResolve(specifier, context);
  },
});
