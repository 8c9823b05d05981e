/**
 * `invsync schedule status|pause|resume|trigger|ensure [name]`: invsync's Temporal Schedules (`invsync-reconcile`,
 * `invsync-poll`, `invsync-nightly`). `status` exits 1 when a schedule is missing; the others exit 0 when
 * done. Without a name, status/pause/resume act on every schedule.
 */
import Table from 'cli-table3';
import * as schedules from '../../client/schedules';
import { CliError, EXIT, printJson, type Output } from '../io';
import { fail, withOps, type CommonOptions } from './ops';

export type ScheduleAction = 'status' | 'pause' | 'resume' | 'trigger' | 'ensure';
export const SCHEDULE_ACTIONS: ScheduleAction[] = ['status', 'pause', 'resume', 'trigger', 'ensure'];

export interface ScheduleCommandOptions extends CommonOptions {
  action: string;
  name?: string | undefined;
  note?: string | undefined;
}

const who = (): string => process.env.USER ?? process.env.USERNAME ?? 'an operator';

export function scheduleCommand(opts: ScheduleCommandOptions, o: Output): Promise<number> {
  if (!SCHEDULE_ACTIONS.includes(opts.action as ScheduleAction))
    return Promise.resolve(
      fail(
        o,
        new CliError(
          `unknown schedule action "${opts.action}": use ${SCHEDULE_ACTIONS.join(', ')}`,
          EXIT.usage,
        ),
      ),
    );
  if (opts.action === 'trigger' && !opts.name)
    return Promise.resolve(
      fail(
        o,
        new CliError(`schedule trigger needs a name: ${schedules.SCHEDULE_NAMES.join(', ')}`, EXIT.usage),
      ),
    );
  return withOps(opts, o, async (ctx, config) => {
    const names = opts.name ? [schedules.scheduleName(ctx, opts.name)] : schedules.SCHEDULE_NAMES;
    switch (opts.action as ScheduleAction) {
      case 'status': {
        const list = await schedules.scheduleStatus(ctx, names);
        const bad = list.some((s) => !s.exists);
        if (o.json) {
          printJson(o, list);
          return bad ? EXIT.problems : EXIT.ok;
        }
        const t = new Table({
          head: ['schedule', 'state', 'spec', 'next runs', 'recent runs', 'note'],
          style: { head: [], border: [] },
          wordWrap: true,
          colWidths: [null, null, null, null, null, 50] as unknown as number[],
        });
        for (const s of list)
          t.push([
            s.scheduleId,
            !s.exists ? 'MISSING' : s.paused ? 'PAUSED' : s.running.length ? 'running' : 'active',
            s.spec ?? '',
            s.nextRuns.join('\n'),
            s.recent.map((r) => `${r.takenAt} ${r.workflowId}`).join('\n'),
            s.note ?? '',
          ]);
        o.out(t.toString());
        for (const s of list)
          if (!s.exists)
            o.err(
              `${s.scheduleId} does not exist: the worker creates it when it starts (or run \`invsync schedule ensure\`)`,
            );
          else if (s.paused) o.err(`${s.scheduleId} is paused: \`invsync schedule resume ${s.name}\``);
        return bad ? EXIT.problems : EXIT.ok;
      }
      case 'pause':
      case 'resume': {
        const note =
          opts.note ??
          `${opts.action === 'pause' ? 'paused' : 'resumed'} by ${who()} with the invsync CLI at ${new Date().toISOString()}`;
        const done =
          opts.action === 'pause'
            ? await schedules.pauseSchedules(ctx, note, names)
            : await schedules.resumeSchedules(ctx, note, names);
        if (o.json) printJson(o, { ok: true, action: opts.action, schedules: done, note });
        else o.out(`${opts.action === 'pause' ? 'paused' : 'resumed'}: ${done.join(', ')} (${note})`);
        return EXIT.ok;
      }
      case 'trigger': {
        const r = await schedules.triggerSchedule(ctx, names[0] as schedules.ScheduleName);
        if (o.json) printJson(o, r);
        else if (r.triggered) o.out(`triggered ${r.scheduleId}`);
        else o.out(`${r.scheduleId} is already running: ${r.running.join(', ')} (not started twice)`);
        return EXIT.ok;
      }
      case 'ensure': {
        const r = await schedules.ensureSchedules({ ...ctx, config });
        if (o.json) printJson(o, r);
        else for (const s of r) o.out(`${s.outcome}: ${s.scheduleId}`);
        return EXIT.ok;
      }
    }
  });
}
