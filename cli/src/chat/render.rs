//! What the chat commands print: readable lines for a terminal, or one JSON object per
//! line (`--format json`, schema in docs/cli.md). The JSON is built here and only here,
//! so the documented schema has one source.

use brook_client::content::Text;
use brook_client::names::{hex_of, key_hex, short_key};
use brook_client::session::RoomSummary;
use brook_client::view::{Departure, MemberView, MessageView, RoomView, Standing};
use brook_common::ids::MemberKey;
use brook_common::room::config::Privacy;
use serde_json::{json, Value};

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

pub fn privacy(p: Privacy) -> &'static str {
    match p {
        Privacy::Private => "private",
        Privacy::Public => "public",
    }
}

pub fn standing(s: &Standing) -> Value {
    match s {
        Standing::Owner => json!({"state": "owner"}),
        Standing::Member => json!({"state": "member"}),
        Standing::Banned { by } => json!({"state": "banned", "by": key_hex(by)}),
        Standing::Left => json!({"state": "left"}),
        Standing::NotAMember => json!({"state": "not_a_member"}),
    }
}

pub fn standing_words(s: &Standing, view: &RoomView) -> String {
    match s {
        Standing::Owner => "owner".into(),
        Standing::Member => "member".into(),
        Standing::Banned { by } => format!("banned by {}", who(view, by)),
        Standing::Left => "left".into(),
        Standing::NotAMember => "not a member".into(),
    }
}

/// A text field: its text, or why it cannot be read.
pub fn text_json(text: &Text) -> (Value, Value) {
    match text {
        Text::Readable(t) => (json!(t), Value::Null),
        Text::NoKey { version } => (Value::Null, json!({"reason": "no_key", "version": version})),
        Text::Unopenable { version } => (
            Value::Null,
            json!({"reason": "unopenable", "version": version}),
        ),
    }
}

pub fn text_words(text: &Text) -> String {
    match text {
        Text::Readable(t) => t.clone(),
        Text::NoKey { version } => {
            format!("[unreadable: you hold no key for secret version {version}]")
        }
        Text::Unopenable { version } => {
            format!("[unreadable: damaged, or sealed for another room (version {version})]")
        }
    }
}

/// A member as people see it: nickname and short key, or the short key alone.
pub fn who(view: &RoomView, key: &MemberKey) -> String {
    match view.nickname(key) {
        Some(nick) => format!("{nick} ({})", short_key(key)),
        None => short_key(key),
    }
}

pub fn room_summary_json(r: &RoomSummary) -> Value {
    let name = r.name.as_ref().map(text_json);
    json!({
        "type": "room",
        "room": key_hex(&r.room),
        "me": r.me.as_ref().map(key_hex),
        "name": name.as_ref().map_or(Value::Null, |n| n.0.clone()),
        "privacy": r.privacy.map(privacy),
        "held_by_node": r.name.is_some(),
    })
}

pub fn room_summary_words(r: &RoomSummary) -> String {
    let name = r
        .name
        .as_ref()
        .map_or("(not on this node)".to_string(), text_words);
    let lock = match r.privacy {
        Some(Privacy::Private) => "🔒 ",
        _ => "",
    };
    format!("{}  {lock}{name}", short_key(&r.room))
}

pub fn message_json(view: &RoomView, m: &MessageView) -> Value {
    let (text, unreadable) = text_json(&m.body);
    json!({
        "type": "message",
        "room": key_hex(&view.room),
        "id": hex_of(&m.id.0),
        "author": key_hex(&m.author),
        "author_nickname": view.nickname(&m.author),
        "sent_at": m.sent_at,
        "mine": m.mine,
        "text": text,
        "unreadable": unreadable,
    })
}

pub fn message_words(view: &RoomView, m: &MessageView) -> String {
    let mark = if m.mine { "*" } else { " " };
    format!(
        "{mark} {}  {}: {}",
        time_words(m.sent_at),
        who(view, &m.author),
        text_words(&m.body)
    )
}

/// `sent_at` (ms since the epoch, the author's clock) as UTC `YYYY-MM-DD HH:MM`.
pub fn time_words(ms: u64) -> String {
    let secs = ms / 1000;
    let days = secs / 86_400;
    let (h, m) = ((secs % 86_400) / 3600, (secs % 3600) / 60);
    let (y, mo, d) = civil_from_days(days);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{m:02}")
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

pub fn roles(m: &MemberView) -> Vec<&'static str> {
    let mut out = Vec::new();
    if m.roles.owner {
        out.push("owner");
    }
    if m.roles.moderator {
        out.push("moderator");
    }
    if m.roles.you {
        out.push("you");
    }
    if m.roles.invited_by_you {
        out.push("invited_by_you");
    }
    if !m.present {
        out.push("left");
    }
    out
}

pub fn member_json(view: &RoomView, m: &MemberView) -> Value {
    let nickname = m.nickname.as_ref().map(text_json);
    json!({
        "type": "member",
        "room": key_hex(&view.room),
        "key": key_hex(&m.key),
        "inviter": m.inviter.as_ref().map(key_hex),
        "depth": m.depth,
        "nickname": nickname.as_ref().map_or(Value::Null, |n| n.0.clone()),
        "roles": roles(m),
        "present": m.present,
    })
}

pub fn member_words(view: &RoomView, m: &MemberView) -> String {
    let indent = "  ".repeat(usize::try_from(m.depth).unwrap_or(0));
    let roles = roles(m);
    let badges = if roles.is_empty() {
        String::new()
    } else {
        format!("  [{}]", roles.join(", ").replace('_', " "))
    };
    format!("{indent}{}{badges}", who(view, &m.key))
}

pub fn room_json(view: &RoomView) -> Value {
    let (name, _) = text_json(&view.name);
    let (description, _) = text_json(&view.description);
    let c = &view.config;
    json!({
        "type": "room_info",
        "room": key_hex(&view.room),
        "me": view.me.as_ref().map(key_hex),
        "name": name,
        "description": description,
        "privacy": privacy(view.privacy),
        "standing": standing(&view.standing),
        "members": view.members.iter().filter(|m| m.present).count(),
        "messages": view.messages.len(),
        "config_version": c.version,
        "limits": {
            "max_members": c.max_members,
            "max_messages": c.max_messages,
            "max_message_bytes": c.max_message_bytes,
            "max_bans": c.max_bans,
            "rotation_period_secs": c.rotation_period_secs,
        },
        "moderators": c.moderators.iter().map(key_hex).collect::<Vec<_>>(),
        "secret_version": view.secrets.current,
        "newest_secret_held": view.secrets.newest_held,
        "still_reading": view.still_reading.iter().map(key_hex).collect::<Vec<_>>(),
        "departed": view.departed.iter().map(|d| match d.departure {
            Departure::Banned { by } => json!({"key": key_hex(&d.key), "banned_by": key_hex(&by)}),
            Departure::Left => json!({"key": key_hex(&d.key), "left": true}),
        }).collect::<Vec<_>>(),
    })
}

/// The warning shown while a rotation is owed: who can still read what is sent now.
pub fn still_reading_words(view: &RoomView) -> Option<String> {
    if view.still_reading.is_empty() {
        return None;
    }
    let names: Vec<String> = view
        .still_reading
        .iter()
        .map(|k| {
            let how = view
                .departed
                .iter()
                .find(|d| d.key == *k)
                .map(|d| match d.departure {
                    Departure::Banned { by } => format!("banned by {}", who(view, &by)),
                    Departure::Left => "left".into(),
                });
            match how {
                Some(how) => format!("{} ({how})", short_key(k)),
                None => format!("{} (removed)", short_key(k)),
            }
        })
        .collect();
    Some(format!(
        "warning: {} can still read what you send until the owner's node rotates the room secret",
        names.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc_dates() {
        assert_eq!(time_words(0), "1970-01-01 00:00");
        // 2026-12-05 14:03:51 UTC.
        assert_eq!(time_words(1_796_479_431_000), "2026-12-05 14:03");
        assert_eq!(time_words(951_782_400_000), "2000-02-29 00:00");
    }
}
