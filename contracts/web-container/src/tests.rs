//! The contract's entry points, called natively through `ContractInterface`.

use brook_common::sign::member_key;
use brook_common::web_container::publication;
use ed25519_dalek::SigningKey;

use super::*;

type C = WebContainerContract;

fn key() -> SigningKey {
    SigningKey::from_bytes(&[7; 32])
}

fn params() -> Parameters<'static> {
    Parameters::from(member_key(&key()).0.to_vec())
}

fn publish(version: u64, archive: &[u8]) -> Vec<u8> {
    WebContainer::publish(&key(), version, archive.to_vec())
        .encode()
        .unwrap()
}

fn validate(state: &[u8]) -> Result<ValidateResult, ContractError> {
    C::validate_state(
        params(),
        State::from(state.to_vec()),
        RelatedContracts::new(),
    )
}

fn update(current: &[u8], data: Vec<UpdateData<'static>>) -> Result<Vec<u8>, ContractError> {
    let modification = C::update_state(params(), State::from(current.to_vec()), data)?;
    Ok(modification
        .new_state
        .expect("update returns a state")
        .into_bytes())
}

fn as_state(bytes: &[u8]) -> UpdateData<'static> {
    UpdateData::State(State::from(bytes.to_vec()))
}

fn as_delta(bytes: &[u8]) -> UpdateData<'static> {
    UpdateData::Delta(StateDelta::from(bytes.to_vec()))
}

/// The publisher tool's UPDATE: `state` wrapped as a publication (rule WEB-3).
fn publish_over(current: &[u8], state: &[u8]) -> Result<Vec<u8>, ContractError> {
    update(current, vec![as_delta(&publication(state))])
}

fn merge(current: &[u8], incoming: &[u8]) -> Result<Vec<u8>, ContractError> {
    update(current, vec![as_state(incoming)])
}

fn summarize(state: &[u8]) -> Vec<u8> {
    C::summarize_state(params(), State::from(state.to_vec()))
        .expect("summary")
        .into_bytes()
}

fn delta(state: &[u8], summary: &[u8]) -> Result<Vec<u8>, ContractError> {
    C::get_state_delta(
        params(),
        State::from(state.to_vec()),
        StateSummary::from(summary.to_vec()),
    )
    .map(StateDelta::into_bytes)
}

/// The message of an error, asserting its variant says who is at fault.
fn deser(err: ContractError) -> String {
    match err {
        ContractError::Deser(message) => message,
        other => panic!("expected a de/serialization error, got {other:?}"),
    }
}

fn invalid_update(err: ContractError) -> String {
    match err {
        ContractError::InvalidUpdateWithInfo { reason } => reason,
        other => panic!("expected an invalid-update error, got {other:?}"),
    }
}

/// A state whose archive byte was flipped after signing.
fn tampered() -> Vec<u8> {
    let mut c = WebContainer::publish(&key(), 3, b"ui bundle".to_vec());
    c.archive[0] ^= 1;
    c.encode().unwrap()
}

/// Version 3 signed by someone other than the publisher.
fn foreign() -> Vec<u8> {
    WebContainer::publish(&SigningKey::from_bytes(&[8; 32]), 3, b"ui".to_vec())
        .encode()
        .unwrap()
}

#[test]
fn valid_publish_validates() {
    for archive in [&b""[..], b"tiny", &[0x5a; 4096]] {
        assert_eq!(
            validate(&publish(1, archive)).unwrap(),
            ValidateResult::Valid
        );
    }
}

#[test]
fn tampered_archive_is_invalid() {
    // rule WEB-1: the signature covers blake3(archive).
    assert_eq!(validate(&tampered()).unwrap(), ValidateResult::Invalid);
    let reason = invalid_update(merge(&publish(1, b"a"), &tampered()).unwrap_err());
    assert!(reason.starts_with("rejected update: publisher signature does not verify"));
}

#[test]
fn bad_signature_is_invalid() {
    // rule WEB-1: signed by another key, or signature bytes overwritten.
    assert_eq!(validate(&foreign()).unwrap(), ValidateResult::Invalid);
    let mut zeroed = WebContainer::publish(&key(), 3, b"ui".to_vec());
    zeroed.metadata.signature.0 = [0; 64];
    assert_eq!(
        validate(&zeroed.encode().unwrap()).unwrap(),
        ValidateResult::Invalid
    );
    for bad in [foreign(), zeroed.encode().unwrap()] {
        let reason = invalid_update(update(&publish(1, b"a"), vec![as_delta(&bad)]).unwrap_err());
        assert!(reason.contains("signature does not verify"), "{reason}");
    }
}

#[test]
fn lower_version_leaves_the_current_state() {
    // rule WEB-2: only a strictly higher version replaces; an older one is ignored, not
    // refused, so merges commute.
    let (v1, v2) = (publish(1, b"old"), publish(2, b"new"));
    assert_eq!(merge(&v2, &v1).unwrap(), v2);
    assert_eq!(update(&v2, vec![as_delta(&v1)]).unwrap(), v2);
}

#[test]
fn higher_version_replaces() {
    // rule WEB-2.
    let (v1, v2, v9) = (publish(1, b"a"), publish(2, b""), publish(9, b"b"));
    assert_eq!(merge(&v1, &v2).unwrap(), v2);
    assert_eq!(
        update(&v1, vec![as_delta(&v9), as_state(&v2)]).unwrap(),
        v9,
        "the newest of a batch wins whatever its position"
    );
}

#[test]
fn same_version_ties_break_the_same_way_on_every_replica() {
    // rule WEB-2: same version → the smaller hash wins.
    let (a, b) = (publish(4, b"build a"), publish(4, b"build b"));
    let winner = merge(&a, &b).unwrap();
    assert_eq!(merge(&b, &a).unwrap(), winner);
    let smaller = if blake3::hash(&a).as_bytes() < blake3::hash(&b).as_bytes() {
        &a
    } else {
        &b
    };
    assert_eq!(&winner, smaller);
}

#[test]
fn reapplying_the_current_state_is_a_no_op() {
    let v3 = publish(3, b"ui");
    assert_eq!(merge(&v3, &v3).unwrap(), v3);
    let both = UpdateData::StateAndDelta {
        state: State::from(v3.clone()),
        delta: StateDelta::from(v3.clone()),
    };
    assert_eq!(update(&v3, vec![both, as_delta(&v3)]).unwrap(), v3);
    // Even a current state that no longer verifies is not refused when re-delivered.
    assert_eq!(merge(&tampered(), &tampered()).unwrap(), tampered());
    assert_eq!(update(&v3, vec![]).unwrap(), v3);
}

#[test]
fn empty_delta_changes_nothing() {
    let v3 = publish(3, b"ui");
    assert_eq!(update(&v3, vec![as_delta(&[])]).unwrap(), v3);
    // An empty *state* is not a state.
    let message = deser(merge(&v3, &[]).unwrap_err());
    assert!(message.starts_with("rejected update: malformed web container"));
}

#[test]
fn wrong_length_params_are_an_error() {
    let state = publish(1, b"a");
    for bytes in [vec![], vec![1; 31], vec![1; 33]] {
        let p = Parameters::from(bytes);
        let message = deser(
            C::validate_state(
                p.clone(),
                State::from(state.clone()),
                RelatedContracts::new(),
            )
            .unwrap_err(),
        );
        assert!(message.contains("32-byte verifying key"), "{message}");
        let err = C::update_state(p.clone(), State::from(state.clone()), vec![]).unwrap_err();
        assert!(deser(err).contains("32-byte"));
        let err = C::summarize_state(p.clone(), State::from(state.clone())).unwrap_err();
        assert!(deser(err).contains("32-byte"));
        let summary = StateSummary::from(vec![0; SUMMARY_LEN]);
        let err = C::get_state_delta(p, State::from(state.clone()), summary).unwrap_err();
        assert!(deser(err).contains("32-byte"));
    }
}

#[test]
fn garbage_bytes_are_an_error() {
    let good = publish(1, b"a");
    let mut trailing = good.clone();
    trailing.push(0);
    let mut huge_frame = good.clone();
    huge_frame[..8].copy_from_slice(&u64::MAX.to_be_bytes());
    for bytes in [
        vec![],
        vec![0xff; 8],
        b"not a web container".to_vec(),
        trailing,
        huge_frame,
    ] {
        let message = deser(validate(&bytes).unwrap_err());
        assert!(
            message.starts_with("state: malformed web container"),
            "{message}"
        );
        let message = deser(merge(&good, &bytes).unwrap_err());
        assert!(message.starts_with("rejected update: malformed web container"));
        assert!(deser(merge(&bytes, &good).unwrap_err()).starts_with("state: malformed"));
        let err = C::summarize_state(params(), State::from(bytes.clone())).unwrap_err();
        assert!(deser(err).starts_with("state: malformed"));
    }
}

#[test]
fn related_contract_updates_are_an_error() {
    let v1 = publish(1, b"a");
    let related = UpdateData::RelatedState {
        related_to: ContractInstanceId::new([1; 32]),
        state: State::from(v1.clone()),
    };
    match update(&v1, vec![related]).unwrap_err() {
        ContractError::Other(message) => assert!(message.contains("no related contracts")),
        other => panic!("unexpected error {other:?}"),
    }
}

#[test]
fn summary_and_delta_round_trip() {
    let (v1, v2) = (publish(1, b"first"), publish(2, b"second"));
    let s1 = summarize(&v1);
    assert_eq!(s1.len(), SUMMARY_LEN);
    assert_eq!(s1[..8], 1u64.to_be_bytes());
    assert_eq!(s1[8..], *blake3::hash(&v1).as_bytes());
    // Against our own summary: nothing to send, and nothing happens when it arrives.
    let own = delta(&v2, &summarize(&v2)).unwrap();
    assert!(own.is_empty());
    assert_eq!(update(&v2, vec![as_delta(&own)]).unwrap(), v2);
    // Against an older summary: the whole new state, which brings the peer up to date.
    let d = delta(&v2, &s1).unwrap();
    assert_eq!(d, v2);
    let caught_up = update(&v1, vec![as_delta(&d)]).unwrap();
    assert_eq!(caught_up, v2);
    assert_eq!(summarize(&caught_up), summarize(&v2));
    // A newer peer is sent ours too; its merge keeps its own.
    assert_eq!(
        update(&v2, vec![as_delta(&delta(&v1, &summarize(&v2)).unwrap())]).unwrap(),
        v2
    );
}

#[test]
fn bad_summary_is_an_error() {
    let v1 = publish(1, b"a");
    for len in [0, 8, SUMMARY_LEN - 1, SUMMARY_LEN + 1] {
        let message = deser(delta(&v1, &vec![0; len]).unwrap_err());
        assert!(message.starts_with("summary must be 40 bytes"), "{message}");
    }
}

#[test]
fn non_canonical_metadata_is_malformed() {
    // Decoding is canonical, so "equal value" means "equal bytes" (idempotence and the
    // WEB-2 tie-break both rest on it): a version written in 9 bytes instead of 1 is not
    // the same state.
    let c = WebContainer::publish(&key(), 1, b"a".to_vec());
    let mut metadata = vec![0x82, 0x1b];
    metadata.extend_from_slice(&1u64.to_be_bytes());
    metadata.extend_from_slice(&[0x58, 64]);
    metadata.extend_from_slice(&c.metadata.signature.0);
    let mut bytes = (metadata.len() as u64).to_be_bytes().to_vec();
    bytes.extend_from_slice(&metadata);
    bytes.extend_from_slice(&(c.archive.len() as u64).to_be_bytes());
    bytes.extend_from_slice(&c.archive);
    let message = deser(validate(&bytes).unwrap_err());
    assert!(message.contains("malformed web container"), "{message}");
}

#[test]
fn higher_publication_replaces() {
    // rule WEB-3: a signed, strictly newer publication replaces the state.
    let (v1, v2, v9) = (publish(1, b"a"), publish(2, b"b"), publish(9, b"c"));
    assert_eq!(publish_over(&v1, &v2).unwrap(), v2);
    assert_eq!(publish_over(&v2, &v9).unwrap(), v9);
    // In a batch, each publication must be newer than what the items before it left.
    assert_eq!(
        update(
            &v1,
            vec![as_delta(&publication(&v2)), as_delta(&publication(&v9))]
        )
        .unwrap(),
        v9
    );
    let reason =
        invalid_update(update(&v1, vec![as_state(&v9), as_delta(&publication(&v2))]).unwrap_err());
    assert!(reason.contains("holds version 9"), "{reason}");
}

#[test]
fn lower_publication_is_refused_with_both_versions() {
    // rule WEB-3: unlike a merge, a publication that is not newer is an error.
    let (v2, v3) = (publish(2, b"old"), publish(3, b"new"));
    let reason = invalid_update(publish_over(&v3, &v2).unwrap_err());
    assert_eq!(
        reason,
        "publication of version 2 refused: this contract holds version 3; \
         a publication must be newer (rule WEB-3)"
    );
}

#[test]
fn same_version_publication_is_refused() {
    // rule WEB-3: the same bytes are already published; another build at the same
    // version is not newer either (a merge would tie-break; a publication must not).
    let v3 = publish(3, b"ui");
    let reason = invalid_update(publish_over(&v3, &v3).unwrap_err());
    assert!(reason.contains("already published"), "{reason}");
    assert!(
        reason.starts_with("publication of version 3 refused"),
        "{reason}"
    );
    let rebuilt = publish(3, b"another build");
    let reason = invalid_update(publish_over(&v3, &rebuilt).unwrap_err());
    assert!(reason.contains("holds version 3"), "{reason}");
    let reason = invalid_update(publish_over(&rebuilt, &v3).unwrap_err());
    assert!(reason.contains("holds version 3"), "{reason}");
}

#[test]
fn tampered_or_forged_publication_is_refused() {
    // rule WEB-3 needs WEB-1: the signature is checked before the version.
    let v1 = publish(1, b"a");
    let mut zeroed = WebContainer::publish(&key(), 5, b"ui".to_vec());
    zeroed.metadata.signature.0 = [0; 64];
    for bad in [tampered(), foreign(), zeroed.encode().unwrap()] {
        let reason = invalid_update(publish_over(&v1, &bad).unwrap_err());
        assert_eq!(
            reason,
            "rejected publication: publisher signature does not verify for this version and archive"
        );
    }
    // Garbage after the mark, or a publication sent as a state, is malformed.
    for garbage in [vec![], b"not a web container".to_vec(), publication(&v1)] {
        let message = deser(publish_over(&v1, &garbage).unwrap_err());
        assert!(
            message.starts_with("rejected publication: malformed web container"),
            "{message}"
        );
    }
    let message = deser(merge(&v1, &publication(&publish(2, b"b"))).unwrap_err());
    assert!(message.starts_with("rejected update: malformed web container"));
}

#[test]
fn stale_plain_state_stays_a_no_op_beside_publications() {
    // rule WEB-2 is unchanged: only the publication envelope refuses; a lagging peer's
    // old state or delta still merges to the current state.
    let (v1, v3) = (publish(1, b"old"), publish(3, b"new"));
    assert_eq!(merge(&v3, &v1).unwrap(), v3);
    assert_eq!(update(&v3, vec![as_delta(&v1)]).unwrap(), v3);
    assert!(publish_over(&v3, &v1).is_err());
    // get_state_delta never emits a publication.
    let d = delta(&v3, &summarize(&v1)).unwrap();
    assert_eq!(open_publication(&d), None);
}
