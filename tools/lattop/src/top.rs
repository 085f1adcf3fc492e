// SPDX-License-Identifier: GPL-2.0

//! `lattop top`: a live full-screen view of who sleeps most, from
//! /proc/lattop_traces read every interval: threads or processes sorted by
//! off-CPU time in the last interval, and the selected row's worst call
//! trace with its user frames named.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row, Table, TableState};
use ratatui::Frame;

use crate::error::CliError;
use crate::report::{delta, read_traces};
use crate::symbolize::UserNames;
use crate::traces::{Trace, Traces};

#[derive(Debug, Args)]
pub struct TopArgs {
    /// Seconds between refreshes
    #[arg(long, value_name = "SECONDS", default_value_t = 1.0)]
    pub interval: f64,
    /// Read this file instead of /proc/lattop_traces at each refresh
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
}

/// What a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    Threads,
    Processes,
}

/// What rows are sorted by, descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// Off-CPU time in the last interval.
    Interval,
    /// Off-CPU time since the module saw the task first.
    Total,
    /// The longest sleep.
    Max,
}

impl SortKey {
    fn next(self) -> Self {
        match self {
            SortKey::Interval => SortKey::Total,
            SortKey::Total => SortKey::Max,
            SortKey::Max => SortKey::Interval,
        }
    }

    fn label(self) -> &'static str {
        match self {
            SortKey::Interval => "off-CPU time in the last interval",
            SortKey::Total => "total off-CPU time",
            SortKey::Max => "longest sleep",
        }
    }
}

/// One line of the table: a thread, or a process's threads summed.
#[derive(Debug, Clone, PartialEq)]
pub struct TopRow {
    /// The thread's id; the process's for a process row.
    pub id: i32,
    pub pid: i32,
    pub comm: String,
    pub threads: usize,
    pub interval_us: u64,
    pub interval_sleeps: u64,
    pub total_us: u64,
    pub max_us: u64,
    /// The row's worst trace (largest total).
    pub worst: Option<Trace>,
}

/// The view's state, apart from the terminal.
pub struct TopModel {
    pub grouping: Grouping,
    pub sort: SortKey,
    /// Rows whose command name contains this.
    pub filter: String,
    /// The filter being typed, after `/`.
    pub editing: Option<String>,
    pub selected: usize,
    /// The last read; `None` before the first.
    current: Option<Traces>,
    changed: Traces,
    pub error: Option<String>,
}

impl Default for TopModel {
    fn default() -> Self {
        TopModel {
            grouping: Grouping::Threads,
            sort: SortKey::Interval,
            filter: String::new(),
            editing: None,
            selected: 0,
            current: None,
            changed: Traces::default(),
            error: None,
        }
    }
}

/// What a key asks of the loop.
#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    Continue,
    Quit,
}

impl TopModel {
    /// Takes in a new read: the interval's figures are its growth since the
    /// last one.
    pub fn refresh(&mut self, now: Traces) {
        self.changed = match &self.current {
            Some(before) => delta(before, &now),
            None => Traces::default(),
        };
        self.current = Some(now);
        self.error = None;
        self.selected = self.selected.min(self.rows().len().saturating_sub(1));
    }

    /// The table's rows, sorted and filtered.
    pub fn rows(&self) -> Vec<TopRow> {
        let interval: BTreeMap<i32, (u64, u64)> = self
            .changed
            .tasks
            .iter()
            .map(|t| (t.tid, (t.total_us, t.sleeps)))
            .collect();
        let mut rows: BTreeMap<i32, TopRow> = BTreeMap::new();
        for task in self.current.iter().flat_map(|c| &c.tasks) {
            if !task.comm.contains(&self.filter) {
                continue;
            }
            let (interval_us, interval_sleeps) = interval.get(&task.tid).copied().unwrap_or((0, 0));
            let id = match self.grouping {
                Grouping::Threads => task.tid,
                Grouping::Processes => task.tgid,
            };
            let row = rows.entry(id).or_insert_with(|| TopRow {
                id,
                pid: task.tgid,
                comm: task.comm.clone(),
                threads: 0,
                interval_us: 0,
                interval_sleeps: 0,
                total_us: 0,
                max_us: 0,
                worst: None,
            });
            if task.tid == task.tgid {
                row.comm = task.comm.clone();
            }
            row.threads += 1;
            row.interval_us += interval_us;
            row.interval_sleeps += interval_sleeps;
            row.total_us += task.total_us;
            row.max_us = row.max_us.max(task.max_us);
            if let Some(worst) = task.traces.iter().max_by_key(|t| t.total_us) {
                if row
                    .worst
                    .as_ref()
                    .is_none_or(|w| worst.total_us > w.total_us)
                {
                    row.worst = Some(worst.clone());
                }
            }
        }
        let mut rows: Vec<TopRow> = rows.into_values().collect();
        let key = |r: &TopRow| match self.sort {
            SortKey::Interval => (r.interval_us, r.total_us),
            SortKey::Total => (r.total_us, r.interval_us),
            SortKey::Max => (r.max_us, r.total_us),
        };
        rows.sort_by(|a, b| key(b).cmp(&key(a)).then(a.id.cmp(&b.id)));
        rows
    }

    /// Handles one key.
    pub fn key(&mut self, code: KeyCode, modifiers: KeyModifiers) -> Action {
        if let Some(text) = &mut self.editing {
            match code {
                KeyCode::Enter => {
                    self.filter = self.editing.take().unwrap_or_default();
                    self.selected = 0;
                }
                KeyCode::Esc => self.editing = None,
                KeyCode::Backspace => {
                    text.pop();
                }
                KeyCode::Char(c) => text.push(c),
                _ => {}
            }
            return Action::Continue;
        }
        match code {
            KeyCode::Char('q') | KeyCode::Esc => return Action::Quit,
            KeyCode::Char('c') if modifiers.contains(KeyModifiers::CONTROL) => return Action::Quit,
            KeyCode::Char('p') | KeyCode::Tab => {
                self.grouping = match self.grouping {
                    Grouping::Threads => Grouping::Processes,
                    Grouping::Processes => Grouping::Threads,
                };
                self.selected = 0;
            }
            KeyCode::Char('s') => self.sort = self.sort.next(),
            KeyCode::Char('/') => self.editing = Some(self.filter.clone()),
            KeyCode::Down | KeyCode::Char('j') => {
                self.selected = (self.selected + 1).min(self.rows().len().saturating_sub(1))
            }
            KeyCode::Up | KeyCode::Char('k') => self.selected = self.selected.saturating_sub(1),
            _ => {}
        }
        Action::Continue
    }

    fn draw(&self, frame: &mut Frame, names: &UserNames) {
        let rows = self.rows();
        let [title, table_area, trace_area, status] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(5),
            Constraint::Length(12),
            Constraint::Length(1),
        ])
        .areas(frame.area());
        let what = match self.grouping {
            Grouping::Threads => "threads",
            Grouping::Processes => "processes",
        };
        let filter = if self.filter.is_empty() {
            String::new()
        } else {
            format!(", comm containing {:?}", self.filter)
        };
        frame.render_widget(
            Line::from(format!(
                "lattop top: {what} by {}{filter}",
                self.sort.label()
            )),
            title,
        );
        let first = match self.grouping {
            Grouping::Threads => "TID",
            Grouping::Processes => "PID",
        };
        let header = Row::new([
            first,
            "THREADS",
            "INTERVAL_MS",
            "SLEEPS",
            "TOTAL_MS",
            "MAX_MS",
            "COMM",
        ])
        .style(Style::new().add_modifier(Modifier::BOLD));
        let ms = |us: u64| format!("{}.{:03}", us / 1000, us % 1000);
        let lines = rows.iter().map(|r| {
            Row::new([
                r.id.to_string(),
                r.threads.to_string(),
                ms(r.interval_us),
                r.interval_sleeps.to_string(),
                ms(r.total_us),
                ms(r.max_us),
                r.comm.clone(),
            ])
        });
        let widths = [
            Constraint::Length(8),
            Constraint::Length(7),
            Constraint::Length(12),
            Constraint::Length(7),
            Constraint::Length(12),
            Constraint::Length(10),
            Constraint::Min(16),
        ];
        let table = Table::new(lines, widths)
            .header(header)
            .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED));
        let mut state = TableState::default().with_selected(Some(self.selected));
        frame.render_stateful_widget(table, table_area, &mut state);
        let selected = rows.get(self.selected);
        let trace_lines: Vec<Line> = match selected.and_then(|r| r.worst.as_ref().map(|w| (r, w))) {
            Some((row, worst)) => {
                let mut lines = vec![Line::from(format!(
                    "worst trace of {} {}: {} ms in {} sleeps, max {} ms",
                    row.comm,
                    row.id,
                    ms(worst.total_us),
                    worst.count,
                    ms(worst.max_us)
                ))];
                lines.extend(worst.kernel.iter().map(|f| Line::from(format!("  {f}"))));
                lines.extend(
                    worst
                        .user
                        .iter()
                        .map(|f| Line::from(format!("  {}", names.name(f).full))),
                );
                lines
            }
            None => vec![Line::from("no trace for this row")],
        };
        frame.render_widget(
            Paragraph::new(trace_lines).block(Block::bordered().title("worst trace")),
            trace_area,
        );
        let status_text = match (&self.editing, &self.error) {
            (Some(text), _) => format!("filter by comm: {text}_   (Enter apply, Esc cancel)"),
            (None, Some(error)) => format!("lattop: {error}"),
            (None, None) => {
                "q quit  p threads/processes  s sort  / filter  up/down select".to_string()
            }
        };
        frame.render_widget(Line::from(status_text), status);
    }

    /// The names of the selected row's worst trace's user frames.
    fn selected_names(&self) -> UserNames {
        let worst = self.rows().get(self.selected).and_then(|r| r.worst.clone());
        let frames = worst.iter().flat_map(|w| w.user.iter());
        match &self.current {
            Some(read) => UserNames::of_frames(&read.files, frames),
            None => UserNames::default(),
        }
    }
}

pub fn run(args: &TopArgs) -> Result<(), CliError> {
    if !(args.interval.is_finite() && args.interval > 0.0) {
        return Err(CliError::Usage(
            "--interval takes a number of seconds above 0".into(),
        ));
    }
    if !std::io::stdout().is_terminal() {
        return Err(CliError::Usage(
            "lattop top draws on a terminal, and its output is not one: use lattop report".into(),
        ));
    }
    // The first read fails here, before the screen is taken, if the module
    // is not loaded.
    let mut model = TopModel::default();
    model.refresh(read_traces(args.input.as_ref())?);
    let mut terminal = ratatui::try_init().map_err(CliError::Terminal)?;
    let result = run_loop(&mut terminal, &mut model, args);
    ratatui::try_restore().map_err(CliError::Terminal)?;
    result
}

fn run_loop(
    terminal: &mut ratatui::DefaultTerminal,
    model: &mut TopModel,
    args: &TopArgs,
) -> Result<(), CliError> {
    let period = Duration::from_secs_f64(args.interval);
    let mut next = Instant::now() + period;
    loop {
        let names = model.selected_names();
        terminal
            .draw(|frame| model.draw(frame, &names))
            .map_err(CliError::Terminal)?;
        let wait = next.saturating_duration_since(Instant::now());
        if event::poll(wait).map_err(CliError::Terminal)? {
            if let Event::Key(key) = event::read().map_err(CliError::Terminal)? {
                if key.kind == KeyEventKind::Press
                    && model.key(key.code, key.modifiers) == Action::Quit
                {
                    return Ok(());
                }
            }
            continue;
        }
        next += period;
        match read_traces(args.input.as_ref()) {
            Ok(traces) => model.refresh(traces),
            // The module unloaded meanwhile: said, and tried again.
            Err(error) => model.error = Some(error.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traces::Task;

    fn read(tasks: &[(i32, i32, &str, u64, u64)]) -> Traces {
        Traces {
            files: Default::default(),
            tasks: tasks
                .iter()
                .map(|&(tid, tgid, comm, sleeps, total_us)| Task {
                    tid,
                    tgid,
                    comm: comm.into(),
                    kernel_thread: false,
                    exited: false,
                    sleeps,
                    total_us,
                    max_us: total_us,
                    traces: vec![],
                })
                .collect(),
        }
    }

    #[test]
    fn rows_sort_by_the_interval_and_group_by_process() {
        let mut model = TopModel::default();
        model.refresh(read(&[
            (1, 1, "a", 1, 1000),
            (2, 2, "b", 1, 10),
            (3, 2, "b", 1, 10),
        ]));
        model.refresh(read(&[
            (1, 1, "a", 2, 1100),
            (2, 2, "b", 2, 500),
            (3, 2, "b", 2, 400),
        ]));
        let ids: Vec<i32> = model.rows().iter().map(|r| r.id).collect();
        assert_eq!(ids, [2, 3, 1]);
        model.key(KeyCode::Char('p'), KeyModifiers::NONE);
        let rows = model.rows();
        assert_eq!(
            (rows[0].id, rows[0].threads, rows[0].interval_us),
            (2, 2, 880)
        );
        model.key(KeyCode::Char('s'), KeyModifiers::NONE);
        assert_eq!(model.rows()[0].id, 1);
    }

    #[test]
    fn the_filter_is_typed_and_applied() {
        let mut model = TopModel::default();
        model.refresh(read(&[(1, 1, "alpha", 1, 1), (2, 2, "beta", 1, 1)]));
        for key in [
            KeyCode::Char('/'),
            KeyCode::Char('b'),
            KeyCode::Char('e'),
            KeyCode::Enter,
        ] {
            assert_eq!(model.key(key, KeyModifiers::NONE), Action::Continue);
        }
        let ids: Vec<i32> = model.rows().iter().map(|r| r.id).collect();
        assert_eq!(ids, [2]);
        assert_eq!(
            model.key(KeyCode::Char('q'), KeyModifiers::NONE),
            Action::Quit
        );
    }
}
