//! Matching the node's answers to requests, independent of the transport.
//!
//! The node does not answer strictly in request order: an `UpdateNotification` can
//! overtake the `UpdateResponse` it was caused by (docs/runtime.md). So a wait takes the
//! first response its matcher accepts — buffered ones first, then incoming ones — and
//! every response it does not accept is kept, in arrival order, for whichever later wait
//! accepts it. Requests are sequential, so an error from the node belongs to the request
//! in flight (the transport's business, not this module's).
//!
//! Generic over the response type (the native [`Connection`](super::connection) and the
//! browser's transport both use `freenet_stdlib`'s `HostResponse`), and free of any
//! runtime: [`Replies::wait`] takes the transport's "next response" as an async closure.

use std::collections::VecDeque;

/// A matcher's verdict on one response: the awaited answer (extracted from it), or
/// someone else's response, handed back to be buffered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick<T, R> {
    Match(T),
    Other(R),
}

/// Responses that arrived while a wait was looking for something else, oldest first.
#[derive(Debug, Clone)]
pub struct Replies<R> {
    buffered: VecDeque<R>,
}

impl<R> Default for Replies<R> {
    fn default() -> Self {
        Replies {
            buffered: VecDeque::new(),
        }
    }
}

impl<R> Replies<R> {
    pub fn new() -> Self {
        Replies::default()
    }

    /// How many responses are buffered.
    pub fn len(&self) -> usize {
        self.buffered.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buffered.is_empty()
    }

    /// The first buffered response `pick` accepts, taken out of the buffer; the others
    /// stay, in arrival order. `None` when it accepts none of them.
    pub fn take_buffered<T>(&mut self, pick: &mut impl FnMut(R) -> Pick<T, R>) -> Option<T> {
        let mut unmatched = VecDeque::with_capacity(self.buffered.len());
        let mut found = None;
        while let Some(response) = self.buffered.pop_front() {
            match pick(response) {
                Pick::Match(value) => {
                    found = Some(value);
                    break;
                }
                Pick::Other(response) => unmatched.push_back(response),
            }
        }
        unmatched.append(&mut self.buffered);
        self.buffered = unmatched;
        found
    }

    /// A response that just arrived: its match if `pick` accepts it, otherwise it is
    /// buffered after every earlier one and `None` is returned.
    pub fn offer<T>(&mut self, response: R, pick: &mut impl FnMut(R) -> Pick<T, R>) -> Option<T> {
        match pick(response) {
            Pick::Match(value) => Some(value),
            Pick::Other(response) => {
                self.buffered.push_back(response);
                None
            }
        }
    }

    /// The first buffered or incoming response `pick` accepts. `next` yields the
    /// transport's next response, or the error that ends the wait (the node refused the
    /// request, the connection closed, the deadline passed); what `pick` does not accept
    /// is buffered in arrival order.
    pub async fn wait<T, E>(
        &mut self,
        mut pick: impl FnMut(R) -> Pick<T, R>,
        mut next: impl AsyncFnMut() -> Result<R, E>,
    ) -> Result<T, E> {
        if let Some(value) = self.take_buffered(&mut pick) {
            return Ok(value);
        }
        loop {
            let response = next().await?;
            if let Some(value) = self.offer(response, &mut pick) {
                return Ok(value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Accepts the first response equal to `wanted`.
    fn equal_to(wanted: u32) -> impl FnMut(u32) -> Pick<u32, u32> {
        move |r| {
            if r == wanted {
                Pick::Match(r)
            } else {
                Pick::Other(r)
            }
        }
    }

    fn buffered(replies: &Replies<u32>) -> Vec<u32> {
        replies.buffered.iter().copied().collect()
    }

    /// A transport that yields `incoming` in order, then fails with "closed".
    fn transport(incoming: Vec<u32>) -> impl AsyncFnMut() -> Result<u32, &'static str> {
        let mut incoming = VecDeque::from(incoming);
        async move || incoming.pop_front().ok_or("closed")
    }

    #[test]
    fn a_buffered_match_is_taken_and_the_rest_keep_their_order() {
        let mut replies = Replies::new();
        for r in [1, 2, 3, 2] {
            assert_eq!(replies.offer(r, &mut equal_to(9)), None);
        }
        assert_eq!(replies.take_buffered(&mut equal_to(2)), Some(2));
        assert_eq!(
            buffered(&replies),
            [1, 3, 2],
            "only the first match is taken"
        );
        assert_eq!(replies.take_buffered(&mut equal_to(7)), None);
        assert_eq!(buffered(&replies), [1, 3, 2], "a miss changes nothing");
    }

    #[test]
    fn a_wait_looks_at_the_buffer_before_the_transport() {
        let mut replies = Replies::new();
        replies.offer(5, &mut equal_to(0));
        let mut incoming = transport(vec![5, 6]);
        let got = futures::executor::block_on(replies.wait(equal_to(5), &mut incoming));
        assert_eq!(got, Ok(5));
        assert!(replies.is_empty());
        // The transport was not read: its 5 is still next.
        let got = futures::executor::block_on(replies.wait(equal_to(6), &mut incoming));
        assert_eq!(got, Ok(6));
        assert_eq!(buffered(&replies), [5]);
    }

    #[test]
    fn a_wait_buffers_what_it_skips_in_arrival_order() {
        let mut replies = Replies::new();
        let mut incoming = transport(vec![1, 2, 3, 4]);
        let got = futures::executor::block_on(replies.wait(equal_to(3), &mut incoming));
        assert_eq!(got, Ok(3));
        assert_eq!(buffered(&replies), [1, 2]);
        // A later wait finds an overtaken answer in the buffer.
        let got = futures::executor::block_on(replies.wait(equal_to(2), &mut incoming));
        assert_eq!((got, buffered(&replies)), (Ok(2), vec![1]));
    }

    #[test]
    fn the_transports_error_ends_a_wait_and_keeps_the_buffer() {
        let mut replies = Replies::new();
        let got = futures::executor::block_on(replies.wait(equal_to(9), transport(vec![1, 2])));
        assert_eq!(got, Err("closed"));
        assert_eq!(buffered(&replies), [1, 2]);
        assert_eq!(replies.len(), 2);
    }
}
