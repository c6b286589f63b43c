//! The meeting's agenda (`[meeting]` in `flywheel.toml`): segments with a title, the minutes they may
//! take and what they show. Without one, the weekly operational review's own order: last week's action
//! items, the wheel, the presenting team's dashboard, the top findings, the open floor.

use serde::{Deserialize, Serialize};

/// What a segment shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SegmentKind {
    /// The live action items, overdue first.
    Actions,
    /// Attendance and the spin that picks the presenting team.
    Wheel,
    /// The presenting team's dashboard.
    Presenter,
    /// The ranked findings across all teams, one at a time.
    Findings,
    /// Free discussion: new practices, anything else.
    Open,
    /// The COEs to review: this week's and those not yet done.
    Coes,
}

impl SegmentKind {
    pub const ALL: [SegmentKind; 6] =
        [SegmentKind::Actions, SegmentKind::Wheel, SegmentKind::Presenter, SegmentKind::Findings, SegmentKind::Open, SegmentKind::Coes];

    pub fn key(self) -> &'static str {
        match self {
            SegmentKind::Actions => "actions",
            SegmentKind::Wheel => "wheel",
            SegmentKind::Presenter => "presenter",
            SegmentKind::Findings => "findings",
            SegmentKind::Open => "open",
            SegmentKind::Coes => "coes",
        }
    }

    pub fn from_key(s: &str) -> Option<SegmentKind> {
        SegmentKind::ALL.into_iter().find(|k| k.key() == s)
    }
}

/// One part of the meeting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub title: String,
    pub minutes: u32,
    pub kind: SegmentKind,
}

/// The longest segment (a meeting is an hour or so; a typo of 600 would hide the clock's meaning).
pub const MAX_SEGMENT_MINUTES: u32 = 240;

/// The weekly operational review's order, 50 minutes in all.
pub fn default_agenda() -> Vec<Segment> {
    let s = |title: &str, minutes, kind| Segment { title: title.into(), minutes, kind };
    vec![
        s("Last week's action items", 10, SegmentKind::Actions),
        s("Spin the wheel", 3, SegmentKind::Wheel),
        s("The presenting team walks through its dashboard", 15, SegmentKind::Presenter),
        s("Top findings across all teams", 15, SegmentKind::Findings),
        s("Open floor and new practices", 7, SegmentKind::Open),
    ]
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMeeting {
    #[serde(default)]
    pub segment: Vec<toml::Spanned<RawSegment>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSegment {
    pub title: String,
    pub minutes: toml::Spanned<i64>,
    pub kind: Option<toml::Spanned<String>>,
}

/// The agenda of a `[meeting]` table: its segments (the default when it lists none); problems as
/// (byte offset, field, message).
pub(super) fn agenda(raw: &RawMeeting) -> (Vec<Segment>, Vec<(usize, &'static str, String)>) {
    if raw.segment.is_empty() {
        return (default_agenda(), Vec::new());
    }
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (i, s) in raw.segment.iter().enumerate() {
        let at = s.span().start;
        let s = s.get_ref();
        let title = s.title.trim().to_string();
        if title.is_empty() {
            problems.push((at, "title", format!("meeting segment {}: the title is empty", i + 1)));
        }
        let minutes = *s.minutes.get_ref();
        if !(1..=i64::from(MAX_SEGMENT_MINUTES)).contains(&minutes) {
            problems.push((
                s.minutes.span().start,
                "minutes",
                format!("meeting segment `{title}`: minutes must be 1 to {MAX_SEGMENT_MINUTES}, not {minutes}"),
            ));
        }
        let kind = match &s.kind {
            None => SegmentKind::Open,
            Some(k) => SegmentKind::from_key(k.get_ref().trim()).unwrap_or_else(|| {
                let keys: Vec<&str> = SegmentKind::ALL.iter().map(|k| k.key()).collect();
                problems.push((
                    k.span().start,
                    "kind",
                    format!("meeting segment `{title}`: kind must be one of {}, not `{}`", keys.join(", "), k.get_ref()),
                ));
                SegmentKind::Open
            }),
        };
        out.push(Segment { title, minutes: minutes.clamp(1, i64::from(MAX_SEGMENT_MINUTES)) as u32, kind });
    }
    (out, problems)
}

#[cfg(test)]
mod tests {
    use crate::config::Workspace;

    const BASE: &str = "[[team]]\nname = \"T\"\n[[service]]\nname = \"s\"\nteam = \"T\"\n[[metric]]\nid = \"m\"\nservice = \"s\"\nworse = \"higher\"\nsource = { file = \"m.csv\" }\n";

    fn parse(meeting: &str) -> Result<Workspace, String> {
        let text = format!("{BASE}{meeting}");
        Workspace::from_toml(&text, std::path::Path::new("flywheel.toml"), std::path::Path::new(".")).map_err(|e| e.to_string())
    }

    #[test]
    fn agendas_read_as_written_or_the_default() {
        let ws = parse("").expect("no [meeting]");
        assert_eq!(ws.agenda, super::default_agenda());
        assert_eq!(ws.agenda.iter().map(|s| s.minutes).sum::<u32>(), 50);
        let ws = parse("[meeting]\n").expect("an empty [meeting]");
        assert_eq!(ws.agenda.len(), 5);
        let ws = parse("[[meeting.segment]]\ntitle = \"Actions\"\nminutes = 5\nkind = \"actions\"\n[[meeting.segment]]\ntitle = \"Chat\"\nminutes = 3\n")
            .expect("two segments");
        let got: Vec<(&str, u32, &str)> = ws.agenda.iter().map(|s| (s.title.as_str(), s.minutes, s.kind.key())).collect();
        assert_eq!(got, vec![("Actions", 5, "actions"), ("Chat", 3, "open")]);
    }

    #[test]
    fn bad_segments_are_named_with_their_line() {
        for (meeting, want) in [
            ("[[meeting.segment]]\ntitle = \"A\"\nminutes = 0\n", "flywheel.toml:13: meeting segment `A`: minutes must be 1 to 240, not 0"),
            (
                "[[meeting.segment]]\ntitle = \"A\"\nminutes = 5\nkind = \"party\"\n",
                "meeting segment `A`: kind must be one of actions, wheel, presenter, findings, open, coes, not `party`",
            ),
            ("[[meeting.segment]]\ntitle = \" \"\nminutes = 5\n", "the title is empty"),
            ("[[meeting.segment]]\ntitle = \"A\"\n", "minutes"),
            ("[meeting]\nlength = 5\n", "length"),
        ] {
            let e = parse(meeting).expect_err(meeting);
            assert!(e.contains(want), "{meeting}: {e}");
        }
    }
}
