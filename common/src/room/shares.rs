//! Dividing a bounded resource down the invitation tree, so that what one subtree holds
//! never depends on how many keys another subtree mints.
//!
//! [`split`] gives static equal shares, a deterministic function of the tree (no clock,
//! no arrival order): `budget` over `n` entries gives each `⌊budget / n⌋`, and one more
//! to the first `budget mod n` in the caller's order. A share never depends on what the
//! other entries hold, only on how many entries their common parent has. Member room
//! (MEM-4), the departure pool (BAN-5) and the window's guarantees (MSG-4) use it.

/// Entry `index`'s share of `budget` split equally over `n` entries (see module docs).
pub fn split(budget: u32, n: usize, index: usize) -> u32 {
    let Ok(n) = u32::try_from(n) else {
        return u32::from(index < budget as usize);
    };
    if n == 0 {
        return 0;
    }
    let base = budget / n;
    let extra = budget % n;
    let bonus = u32::try_from(index).is_ok_and(|i| i < extra);
    base.saturating_add(u32::from(bonus))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_gives_remainder_to_the_first() {
        let shares: Vec<u32> = (0..3).map(|i| split(10, 3, i)).collect();
        assert_eq!(shares, vec![4, 3, 3]);
        let over: Vec<u32> = (0..5).map(|i| split(3, 5, i)).collect();
        assert_eq!(over, vec![1, 1, 1, 0, 0]);
        assert_eq!(split(7, 0, 0), 0);
    }
}
