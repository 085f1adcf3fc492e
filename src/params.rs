// SPDX-License-Identifier: GPL-2.0

//! lattop's module parameters: `insmod lattop.ko max_rows=20`; the values are
//! in /sys/module/lattop/parameters/ and `modinfo lattop.ko` describes them.

use crate::sys::module_param::{module_param_str, module_param_uint};

module_param_uint!(
    /// Rows /proc/lattop lists at most.
    MAX_ROWS: "max_rows" = 1000,
    "rows /proc/lattop lists at most (default 1000)"
);

module_param_uint!(
    /// Tasks tracked at most; beyond, new tasks are counted as dropped.
    MAX_TASKS: "max_tasks" = 16384,
    "tasks tracked at most (default 16384)"
);

module_param_uint!(
    /// Call-trace entries kept at most, over all tasks.
    MAX_TRACES: "max_traces" = 16384,
    "call-trace entries kept at most, over all tasks (default 16384)"
);

module_param_uint!(
    /// Sleeps at least this long (us) get a kernel call trace.
    TRACE_THRESHOLD_US: "trace_threshold_us" = 1000,
    "sleeps at least this long (us) get a kernel call trace (default 1000)"
);

module_param_uint!(
    /// How long (ms) an exited task stays listed if no report shows it.
    RETENTION_MS: "retention_ms" = 10000,
    "how long (ms) an exited task stays listed if no report shows it (default 10000)"
);

module_param_uint!(
    /// Preallocated tree nodes of each kind, refilled from process context.
    POOL_SIZE: "pool_size" = 512,
    "preallocated tree nodes of each kind (default 512)"
);

module_param_uint!(
    /// How long (us) a new task's first event may wait for the slot index
    /// before it gives the event up and counts it (dropped_busy): the only
    /// lock a hook takes.
    LOCK_BUDGET_US: "lock_budget_us" = 50,
    "how long (us) a new task's first event may wait for the slot index before it drops the event (default 50)"
);

module_param_str!(
    /// Where the scheduler's events come from: `tracepoint` (the
    /// scheduler's tracepoints) or `kprobe` (kprobes on the scheduling
    /// classes' enqueue and dequeue functions, with no run-queue delay).
    HOOKS: "hooks" = "tracepoint",
    "event source: tracepoint (default) or kprobe (block_symbol, wake_symbol, migrate_symbol)"
);

module_param_str!(
    /// The one function probed for blocks, if not the classes' dequeue
    /// functions.
    BLOCK_SYMBOL: "block_symbol" = "",
    "function probed for blocks, instead of dequeue_task_{fair,rt,dl,stop}; its signature must be (rq, task, flags)"
);

module_param_str!(
    /// The one function probed for wake-ups, if not the classes' enqueue
    /// functions.
    WAKE_SYMBOL: "wake_symbol" = "",
    "function probed for wake-ups, instead of enqueue_task_{fair,rt,dl,stop}; its signature must be (rq, task, flags)"
);

module_param_str!(
    /// The function probed for migrations, if not `deactivate_task`.
    MIGRATE_SYMBOL: "migrate_symbol" = "",
    "function probed for migrations, instead of deactivate_task; its signature must be (rq, task, flags)"
);

module_param_uint!(
    /// How often (ms) the notifier samples the resources thresholds watch.
    EVAL_PERIOD_MS: "eval_period_ms" = 10,
    "how often (ms) armed thresholds on sampled resources are evaluated (default 10)"
);

module_param_uint!(
    /// Thresholds one user may have armed at once.
    MAX_THRESHOLDS_PER_USER: "max_thresholds_per_user" = 64,
    "thresholds one user may have armed at once; beyond, writes fail with EDQUOT (default 64)"
);

module_param_str!(
    /// A function to probe for counting only; none when empty. Set to a
    /// function lattop's own handlers call (`stack_trace_save_tsk`, for
    /// sleeps long enough for a trace) to see kprobes skip the hits nested
    /// in a handler and count them as the probe's `missed`.
    NESTED_SYMBOL: "nested_symbol" = "",
    "function probed for counting only, to show nested hits skipped and counted (default none)"
);
