//! The roster: who is a member, who departed, and which departures the room keeps —
//! the one place where the invitation tree (MEM), departures (BAN, LEAVE) and the two
//! divisions of room (MEM-4, BAN-5) meet.
//!
//! Steps, each a deterministic function of the records held:
//! 1. place every member key once (MEM-3, MEM-5, MEM-7) and build the tree from the owner;
//! 2. judge departures (BAN-2, BAN-4, BAN-7, LEAVE-1) against that tree: the owner's bans,
//!    moderators', and members' over their own descendants;
//! 3. divide member room and the departure pool down the tree (MEM-4, BAN-5) and keep
//!    what fits: members, leavers (who keep their invitees' places) and the departed
//!    whose parent is still in the room, with the one departure record that decided each.

use super::bans::{Authority, BanRecord, LeaveRecord};
use super::config::RoomConfig;
use super::members::{place, MemberRecord, Membership};
use super::order::{sort_by, Key, SortKey};
use super::shares::split;
use crate::collections::{Map, Set};
use crate::ids::MemberKey;

const ROOT: usize = 0;

/// The room as the message window divides it (MSG-4): the owner (node 0), members and
/// leavers, each with its children in key order.
#[derive(Debug, Clone, Default)]
pub struct WindowTree {
    pub keys: Vec<MemberKey>,
    /// Whether the node posts (the owner and members do; a leaver only passes room on).
    pub posts: Vec<bool>,
    pub children: Vec<Vec<usize>>,
}

/// What the records held determine about membership.
#[derive(Debug, Clone, Default)]
pub struct Roster {
    pub membership: Membership,
    /// Acceptances of leavers and of banned members kept as their departure's evidence,
    /// sorted by member.
    pub departed: Vec<MemberRecord>,
    /// The ban that decided each banned member, sorted by target.
    pub bans: Vec<BanRecord>,
    /// Each leaver's leave, sorted by member.
    pub leaves: Vec<LeaveRecord>,
    pub window: WindowTree,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Stays,
    Left,
    Banned,
}

struct Node {
    record: Option<MemberRecord>,
    parent: Option<usize>,
    depth: Option<u32>,
    children: Vec<usize>,
    fate: Fate,
    /// The deciding ban (BAN-4), with its rank and record id for ties.
    ban: Option<(Authority, BanRecord)>,
    leave: Option<LeaveRecord>,
}

struct Tree {
    nodes: Vec<Node>,
    index: Map<MemberKey, usize>,
}

impl Tree {
    /// Step 1.
    fn build(owner: &MemberKey, acceptances: Vec<MemberRecord>) -> Tree {
        let placed = place(owner, acceptances);
        let mut index: Map<MemberKey, usize> = Map::default();
        index.insert(*owner, ROOT);
        let mut nodes = vec![Node::new(None)];
        for record in placed {
            index.insert(record.body.member, nodes.len());
            nodes.push(Node::new(Some(record)));
        }
        // Parents, and children in key order (placement is sorted by member).
        let mut links = Vec::new();
        for (i, node) in nodes.iter().enumerate().skip(1) {
            let inviter = node.record.as_ref().map(|r| r.body.inviter());
            if let Some(&parent) = inviter.as_ref().and_then(|k| index.get(k)) {
                links.push((i, parent));
            }
        }
        for (child, parent) in links {
            if let Some(node) = nodes.get_mut(child) {
                node.parent = Some(parent);
            }
            if let Some(node) = nodes.get_mut(parent) {
                node.children.push(child);
            }
        }
        let mut tree = Tree { nodes, index };
        tree.set_depths();
        tree
    }

    /// Depths from the owner, breadth-first; a node not reached (its parent is not held,
    /// or a cycle that never meets the owner) has none.
    fn set_depths(&mut self) {
        if let Some(root) = self.nodes.get_mut(ROOT) {
            root.depth = Some(0);
        }
        let mut queue = vec![ROOT];
        let mut head = 0;
        while let Some(&at) = queue.get(head) {
            head += 1;
            let (depth, children) = match self.nodes.get(at) {
                Some(node) => (node.depth, node.children.clone()),
                None => continue,
            };
            for child in children {
                if let Some(node) = self.nodes.get_mut(child) {
                    if node.depth.is_none() {
                        node.depth = depth.map(|d| d.saturating_add(1));
                        queue.push(child);
                    }
                }
            }
        }
    }

    fn node(&self, i: usize) -> Option<&Node> {
        self.nodes.get(i)
    }

    fn reached(&self, key: &MemberKey) -> Option<usize> {
        let &i = self.index.get(key)?;
        (i != ROOT && self.node(i)?.depth.is_some()).then_some(i)
    }

    /// Whether `ancestor` is on the path above `node` (not `node` itself).
    fn is_ancestor(&self, ancestor: usize, node: usize) -> bool {
        let mut at = self.node(node).and_then(|n| n.parent);
        while let Some(i) = at {
            if i == ancestor {
                return true;
            }
            at = self.node(i).and_then(|n| n.parent);
        }
        false
    }
}

impl Node {
    fn new(record: Option<MemberRecord>) -> Node {
        Node {
            record,
            parent: None,
            depth: None,
            children: Vec::new(),
            fate: Fate::Stays,
            ban: None,
            leave: None,
        }
    }

    /// Record `ban` as this node's deciding ban if it outranks the one held (BAN-4).
    fn offer_ban(&mut self, authority: Authority, ban: BanRecord) {
        let better = match &self.ban {
            None => true,
            Some((held, record)) => rank(authority, &ban) < rank(*held, record),
        };
        if better {
            self.ban = Some((authority, ban));
        }
        self.fate = Fate::Banned;
    }
}

/// BAN-4's order of departures: the owner's, a moderator's, the shallowest ancestor's;
/// ties by record id. Smaller wins.
fn rank(authority: Authority, ban: &BanRecord) -> SortKey {
    let (class, depth) = match authority {
        Authority::Owner => (0, 0),
        Authority::Moderator => (1, 0),
        Authority::Ancestor(depth) => (2, depth),
    };
    Key::new().u32(class).u32(depth).id(&ban.id()).done()
}

/// Steps 1 to 3 (see the module docs).
pub fn evaluate(
    owner: &MemberKey,
    config: &RoomConfig,
    acceptances: Vec<MemberRecord>,
    bans: Vec<BanRecord>,
    leaves: Vec<LeaveRecord>,
) -> Roster {
    let mut tree = Tree::build(owner, acceptances);
    judge_leaves(&mut tree, leaves);
    judge_bans(&mut tree, owner, config, bans);
    divide(tree, owner, config)
}

/// LEAVE-1: a member's own leave, the smallest signature if it signed several.
fn judge_leaves(tree: &mut Tree, leaves: Vec<LeaveRecord>) {
    let leaves = sort_by(leaves, |l| Key::new().sig_prefix(&l.signature).done());
    for leave in leaves {
        let Some(i) = tree.reached(&leave.body.member) else {
            continue;
        };
        if let Some(node) = tree.nodes.get_mut(i) {
            if node.leave.is_none() {
                node.leave = Some(leave);
                node.fate = Fate::Left;
            }
        }
    }
}

/// Step 2: BAN-2, BAN-4, BAN-6, BAN-7, BAN-8. Authority is structural — the owner, the
/// config's moderators, a target's ancestors in a tree no record can re-shape — so a
/// ban's validity never depends on another ban, and adding records never voids one.
fn judge_bans(tree: &mut Tree, owner: &MemberKey, config: &RoomConfig, bans: Vec<BanRecord>) {
    let moderators: Set<MemberKey> = config.moderators.iter().copied().collect();
    for ban in bans {
        // BAN-8: the room holds the target's acceptance (never the owner's).
        let Some(target) = tree.reached(&ban.body.target) else {
            continue;
        };
        let issuer = ban.body.issuer;
        if issuer == ban.body.target {
            continue; // rule BAN-6
        }
        let protected = moderators.contains(&ban.body.target);
        let authority = if issuer == *owner {
            Authority::Owner
        } else if moderators.contains(&issuer) && !protected {
            Authority::Moderator
        } else {
            // An ancestor (rule BAN-2), never over a moderator.
            let ancestor = tree
                .reached(&issuer)
                .filter(|&i| !protected && tree.is_ancestor(i, target));
            match ancestor.and_then(|i| tree.node(i)?.depth) {
                Some(depth) => Authority::Ancestor(depth),
                None => continue,
            }
        };
        if let Some(node) = tree.nodes.get_mut(target) {
            node.offer_ban(authority, ban);
        }
    }
}

/// Step 3: MEM-4 and BAN-5, top-down from the owner.
fn divide(tree: Tree, owner: &MemberKey, config: &RoomConfig) -> Roster {
    let mut kept_live: Vec<usize> = Vec::new();
    let mut kept_gone: Vec<usize> = Vec::new();
    // (node, member room, departure pool)
    let mut stack = vec![(ROOT, config.max_members, config.max_bans)];
    while let Some((at, room, pool)) = stack.pop() {
        let Some(node) = tree.node(at) else { continue };
        let own = u32::from(at != ROOT);
        let staying: Vec<usize> = node
            .children
            .iter()
            .copied()
            .filter(|&c| tree.node(c).is_some_and(|n| n.fate != Fate::Banned))
            .collect();
        let mut banned: Vec<usize> = node
            .children
            .iter()
            .copied()
            .filter(|&c| tree.node(c).is_some_and(|n| n.fate == Fate::Banned))
            .collect();
        // Every banned node holds its deciding ban; the departures keep BAN-4's order.
        banned = sort_by(banned, |&c| {
            match tree.node(c).and_then(|n| n.ban.as_ref()) {
                Some((authority, ban)) => rank(*authority, ban),
                None => Key::new().u32(u32::MAX).done(),
            }
        });
        // MEM-4: equal shares of this node's room, less its own slot.
        let room_left = room.saturating_sub(own);
        let mut admitted: Vec<(usize, u32)> = Vec::new();
        for (i, &child) in staying.iter().enumerate() {
            let share = split(room_left, staying.len(), i);
            if share > 0 {
                admitted.push((child, share));
            }
        }
        // BAN-5: the pool is split over departures first (by authority), then subtrees.
        let entries = banned.len().saturating_add(admitted.len());
        for (i, &child) in banned.iter().enumerate() {
            if split(pool, entries, i) > 0 {
                kept_gone.push(child);
            }
        }
        for (i, (child, share)) in admitted.into_iter().enumerate() {
            let child_pool = split(pool, entries, banned.len().saturating_add(i));
            kept_live.push(child);
            stack.push((child, share, child_pool));
        }
    }
    collect(tree, owner, kept_live, kept_gone)
}

/// The records of the nodes kept, and the window's tree over members and leavers.
fn collect(tree: Tree, owner: &MemberKey, kept: Vec<usize>, gone: Vec<usize>) -> Roster {
    // In index order, which is key order (placement sorts by member).
    let mut marks = vec![false; tree.nodes.len()];
    for i in kept {
        if let Some(mark) = marks.get_mut(i) {
            *mark = true;
        }
    }
    let live: Vec<usize> = (0..marks.len())
        .filter(|&i| marks.get(i).copied().unwrap_or(false))
        .collect();
    let Tree { nodes, .. } = tree;
    let mut roster = Roster::default();
    // Tree node → window node.
    let mut window_index: Vec<Option<usize>> = vec![None; nodes.len()];
    let mut window = WindowTree::default();
    if let Some(root) = window_index.get_mut(ROOT) {
        *root = Some(0);
    }
    window.keys.push(*owner);
    window.posts.push(true);
    window.children.push(Vec::new());
    let parents: Vec<Option<usize>> = nodes.iter().map(|n| n.parent).collect();
    let mut slots: Vec<Option<Node>> = nodes.into_iter().map(Some).collect();
    for &i in &live {
        let Some(node) = slots.get_mut(i).and_then(Option::take) else {
            continue;
        };
        let Some(record) = node.record else { continue };
        if let Some(slot) = window_index.get_mut(i) {
            *slot = Some(window.keys.len());
        }
        window.keys.push(record.body.member);
        window.posts.push(node.fate == Fate::Stays);
        window.children.push(Vec::new());
        if node.fate == Fate::Left {
            roster.departed.push(record);
            roster.leaves.extend(node.leave);
        } else {
            roster.membership.admitted.push(record);
        }
    }
    // Live nodes were taken in index order, which is key order: children lists follow it.
    for &i in &live {
        let parent = parents.get(i).copied().flatten();
        let (Some(w), Some(p)) = (
            window_index.get(i).copied().flatten(),
            parent.and_then(|p| window_index.get(p).copied().flatten()),
        ) else {
            continue;
        };
        if let Some(children) = window.children.get_mut(p) {
            children.push(w);
        }
    }
    for &i in &gone {
        let Some(node) = slots.get_mut(i).and_then(Option::take) else {
            continue;
        };
        if let (Some(record), Some((_, ban))) = (node.record, node.ban) {
            roster.departed.push(record);
            roster.bans.push(ban);
        }
    }
    roster.departed = sort_by(roster.departed, |r| {
        Key::new().member(&r.body.member).done()
    });
    roster.bans = sort_by(roster.bans, |b| Key::new().member(&b.body.target).done());
    roster.leaves = sort_by(roster.leaves, |l| Key::new().member(&l.body.member).done());
    roster.window = window;
    roster
}
