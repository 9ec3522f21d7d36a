//! Rotation benchmarks next to their floor, measured in the same run:
//! - a rotation for N members: floor = N × (one base-point scalar multiplication for the
//!   ephemeral key + one variable-base one for the shared point) + one signature;
//! - a notification with unchanged membership at 500 members: decode the rotation view
//!   and decide "nothing", with no public-key operation at all (target < 1 ms).

use std::hint::black_box;
mod support;

use support::time;

use brook_common::room::config::Privacy;
use brook_common::rotation::{plan_rotation, OwnerKeys, Plan, RotationView};
use brook_common::testkit::populated_room;
use curve25519_dalek::edwards::EdwardsPoint;
use ed25519_dalek::Signer;

fn main() {
    let scalar = [0x42u8; 32];
    let point = EdwardsPoint::mul_base_clamped([7u8; 32]);
    let base_mul = time(501, || {
        black_box(EdwardsPoint::mul_base_clamped(black_box(scalar)));
    });
    let var_mul = time(501, || {
        black_box(black_box(point).mul_clamped(black_box(scalar)));
    });
    let owner = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
    let sign = time(501, || {
        black_box(owner.sign(black_box(b"a batch of leaves, about this long")));
    });

    println!("\n## Rotation benchmarks (native, median)\n");
    println!(
        "floor parts: base-point mul {:.1} µs, variable-base mul {:.1} µs, signature {:.1} µs\n",
        base_mul.as_secs_f64() * 1e6,
        var_mul.as_secs_f64() * 1e6,
        sign.as_secs_f64() * 1e6
    );
    println!("| case | floor (ms) | measured (ms) | × floor |");
    println!("|---|---:|---:|---:|");
    for members in [50usize, 200, 500] {
        let (room, _) = populated_room(Privacy::Private, members, 0, false);
        let keys = OwnerKeys {
            signing: room.owner.clone(),
        };
        let mut view = RotationView::of(&room.state);
        view.members.truncate(members); // all current; force a new version:
        view.rotation_period_secs = 1;
        let recipients = members + 1;
        let floor = (base_mul + var_mul).as_secs_f64() * recipients as f64 + sign.as_secs_f64();
        let measured = time(15, || {
            let plan = plan_rotation(&view, &keys, u64::MAX).expect("plans");
            assert!(matches!(plan, Plan::Rotate(_)));
        });
        println!(
            "| rotation for {members} members | {:.2} | {:.2} | {:.2} |",
            floor * 1e3,
            measured.as_secs_f64() * 1e3,
            measured.as_secs_f64() / floor
        );
    }
    let (room, _) = populated_room(Privacy::Private, 500, 100, false);
    let bytes = room.state_bytes();
    let keys = OwnerKeys {
        signing: room.owner.clone(),
    };
    let now = room.state.secrets.issued_at(0).unwrap_or(0) + 1;
    let unchanged = time(101, || {
        let view = RotationView::decode(black_box(&bytes)).expect("decodes");
        assert_eq!(
            plan_rotation(&view, &keys, now).expect("plans"),
            Plan::Nothing
        );
    });
    println!(
        "| notification, unchanged membership, 500 members + 100 messages (decode view + decide) | 0 (no public-key op) | {:.3} | target < 1 ms |",
        unchanged.as_secs_f64() * 1e3
    );
}
