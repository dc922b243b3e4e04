// Deploy events as workflow log lines: one log group per step (plan, apply, verify...).
import * as core from '@actions/core';
import type { DeployEvent } from '@dove/deploy-core';

const GROUPED = new Set(['plan', 'apply', 'verify', 'rollback']);

export function createRenderer(environment: string) {
  let open: string | undefined;
  const close = () => {
    if (open) core.endGroup();
    open = undefined;
  };
  return {
    onEvent(e: DeployEvent) {
      if (e.type === 'step') {
        const elapsed = e.elapsedMs === undefined ? '' : ` (${(e.elapsedMs / 1000).toFixed(1)}s)`;
        if (e.status === 'started' && GROUPED.has(e.step)) {
          close();
          open = e.step;
          core.startGroup(`${e.step} ${environment}`);
          return;
        }
        if (e.status === 'started') return core.info(`${e.step} ...`);
        const line = `${e.step} ${e.status}${elapsed}${e.message ? `: ${e.message}` : ''}`;
        if (e.status === 'failed') core.error(line);
        else core.info(line);
        if (open === e.step) close();
        return;
      }
      if (e.type === 'progress')
        return core.info(`${e.message}${e.percent === undefined ? '' : ` ${Math.round(e.percent)}%`}`);
      if (e.level === 'error') core.error(e.message);
      else if (e.level === 'warn') core.warning(e.message);
      else if (e.level === 'debug') core.debug(e.message);
      else core.info(e.message);
    },
    close,
  };
}
