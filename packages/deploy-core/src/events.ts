/** The steps of one deploy, in the order the orchestrator runs them. */
export const STEPS = [
  'load',
  'validate',
  'resolve',
  'lock',
  'plan',
  'apply',
  'verify',
  'rollback',
  'unlock',
] as const;
export type Step = (typeof STEPS)[number];

export type StepStatus = 'started' | 'succeeded' | 'failed' | 'skipped';

/** Everything a host can render while a deploy runs. */
export type DeployEvent =
  | { type: 'step'; step: Step; status: StepStatus; at: number; elapsedMs?: number; message?: string }
  | { type: 'progress'; step: Step; at: number; message: string; percent?: number }
  | { type: 'log'; step?: Step; at: number; level: 'debug' | 'info' | 'warn' | 'error'; message: string };

export type EventSink = (event: DeployEvent) => void;
