// Renders deploy-core's events as a step list: a spinner and elapsed time per step on a TTY,
// one plain line per event otherwise.
import type { DeployEvent, Step } from '@dove/deploy-core';
import { type Output, seconds } from './output.ts';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface StepRenderer {
  onEvent(event: DeployEvent): void;
  /** Stops the spinner; call before printing anything else. */
  close(): void;
}

export function createStepRenderer(out: Output, label = ''): StepRenderer {
  const c = out.color;
  const prefix = label ? `${c.dim(`[${label}]`)} ` : '';
  let active: { step: Step; since: number; message: string } | undefined;
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;
  const write = (s: string) => {
    if (!out.json) process.stdout.write(out.mask(s));
  };
  const draw = () => {
    if (!active) return;
    frame = (frame + 1) % FRAMES.length;
    const msg = active.message ? c.dim(` ${active.message}`) : '';
    write(
      `\r\u001b[2K${prefix}${c.cyan(FRAMES[frame] ?? '')} ${active.step}${msg} ${c.dim(seconds(Date.now() - active.since))}`,
    );
  };
  const clear = () => {
    if (out.tty && active) write('\r\u001b[2K');
  };
  const startSpinner = () => {
    if (out.tty && !timer) timer = setInterval(draw, 80);
  };
  const stopSpinner = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };

  return {
    onEvent(event) {
      if (out.json) return;
      if (event.type === 'step') {
        if (event.status === 'started') {
          clear();
          active = { step: event.step, since: event.at, message: event.message ?? '' };
          if (out.tty) startSpinner();
          else out.line(`${prefix}- ${event.step}${event.message ? `: ${event.message}` : ''}`);
          return;
        }
        clear();
        if (active?.step === event.step) active = undefined;
        const mark =
          event.status === 'succeeded'
            ? c.green('✔')
            : event.status === 'failed'
              ? c.red('✖')
              : c.yellow('↓');
        const time = event.elapsedMs !== undefined ? c.dim(` (${seconds(event.elapsedMs)})`) : '';
        const msg = event.message
          ? ` ${event.status === 'failed' ? c.red(event.message) : c.dim(event.message)}`
          : '';
        out.line(
          `${prefix}${mark} ${event.step}${event.status === 'skipped' ? c.dim(' skipped') : ''}${msg}${time}`,
        );
        if (out.tty && active) draw();
        else if (!active) stopSpinner();
        return;
      }
      if (event.type === 'progress') {
        if (out.tty && active) {
          active.message =
            event.message + (event.percent !== undefined ? ` ${Math.round(event.percent)}%` : '');
          draw();
        } else out.line(`${prefix}  ${event.step}: ${event.message}`);
        return;
      }
      if (event.level === 'debug' && !process.env.DOVE_DEBUG) return;
      clear();
      const text =
        event.level === 'error'
          ? c.red(event.message)
          : event.level === 'warn'
            ? c.yellow(event.message)
            : c.dim(event.message);
      out.line(`${prefix}  ${text}`);
      if (out.tty && active) draw();
    },
    close() {
      stopSpinner();
      clear();
      active = undefined;
    },
  };
}
