using Mesh.Contracts;
using Mesh.Scheduler.Placement;
using Microsoft.Extensions.Logging;

namespace Mesh.Scheduler.Lifecycle;

/// <summary>
/// Elastic roles: on each tick, move one worker that can serve both stages towards the stage that is short of
/// capacity — a decode worker to prefill when prompts pile up on the prefill workers and no choice waits for a decode
/// slot; a prefill worker to decode when choices wait for a slot and prefill is idle. At least one worker stays in
/// each stage, moves are spaced by <see cref="SchedulerOptions.RoleMoveCooldown"/>, and the moved worker finishes
/// what it has (its tasks already sent run on; only new placements follow the new role).
/// </summary>
public sealed partial class SchedulerCore
{
    private DateTimeOffset _nextRoleMove;

    private void BalanceRoles(DateTimeOffset now, List<Outbound> output)
    {
        if (!options.ElasticRoles || now < _nextRoleMove) return;
        WorkerView[] live = [.. Workers.All.Where(w => w.IsAlive(now) && !w.Draining)];
        WorkerView[] prefill = [.. live.Where(w => w.Serves(WorkerRole.Prefill) && !w.Serves(WorkerRole.Decode))];
        WorkerView[] decode = [.. live.Where(w => w.Serves(WorkerRole.Decode) && !w.Serves(WorkerRole.Prefill))];
        if (prefill.Length == 0 || decode.Length == 0) return;

        int waitingPrompts = _requests.Values.Count(r => r.Phase == RequestPhase.Waiting);
        double promptsPerWorker = (prefill.Sum(w => w.PrefillLoad) + waitingPrompts) / (double)prefill.Length;
        int awaitingSlot = _requests.Values.Sum(r => r.Choices.Count(c => c.Phase == ChoicePhase.AwaitingDecode));

        if (promptsPerWorker >= options.ElasticPrefillQueue && awaitingSlot == 0 && decode.Length > 1
            && decode.Where(w => w.Can(WorkerRole.Prefill)).OrderBy(w => w.DecodeLoad).ThenBy(w => w.Id.Value, StringComparer.Ordinal).FirstOrDefault() is { } toPrefill)
        {
            Move(toPrefill, WorkerRole.Prefill, $"{promptsPerWorker:F1} prompts per prefill worker, no choice waiting for decode", now, output);
        }
        else if (awaitingSlot > 0 && promptsPerWorker < 1 && prefill.Length > 1
            && prefill.Where(w => w.Can(WorkerRole.Decode)).OrderBy(w => w.PrefillLoad).ThenBy(w => w.Id.Value, StringComparer.Ordinal).FirstOrDefault() is { } toDecode)
        {
            Move(toDecode, WorkerRole.Decode, $"{awaitingSlot} choices waiting for a decode slot, prefill idle", now, output);
        }
    }

    private void Move(WorkerView worker, WorkerRole role, string reason, DateTimeOffset now, List<Outbound> output)
    {
        worker.Assign([role]);
        _nextRoleMove = now + options.RoleMoveCooldown;
        metrics?.RoleMoved(role.ToString().ToLowerInvariant());
        logger.MovingWorker(worker.Id, role.ToString(), reason);
        output.Add(new Outbound(Topics.ForWorker(Topics.WorkerRoles, worker.Id), new RoleAssignment(worker.Id, [role], reason, now)));
    }
}
