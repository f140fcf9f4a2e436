//! The cache's contract, against an inner allocator that counts what reaches it.
//!
//! Each test makes its own cache over its own counter; the test harness runs each test on a
//! fresh thread, so each starts with empty magazines (the safety contract of
//! `ThreadCache::new`: one cache per thread at a time).
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use racelab_alloc::{ThreadCache, ALIGN, SLOTS, SMALL_MAX};

/// The system allocator, counting the calls and the bytes live through it.
#[derive(Default)]
struct Counting {
    allocs: AtomicUsize,
    frees: AtomicUsize,
    live: AtomicUsize,
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.allocs.fetch_add(1, Relaxed);
        self.live.fetch_add(layout.size(), Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        self.frees.fetch_add(1, Relaxed);
        self.live.fetch_sub(layout.size(), Relaxed);
        System.dealloc(block, layout)
    }
}

fn layout(size: usize) -> Layout {
    Layout::from_size_align(size, 8).unwrap()
}

#[test]
fn a_freed_small_block_is_reused_without_asking_the_inner_allocator() {
    let cache = unsafe { ThreadCache::new(Counting::default()) };
    unsafe {
        let a = cache.alloc(layout(40));
        cache.dealloc(a, layout(40));
        // Any size of the same class (33..=48 bytes) takes it back.
        let b = cache.alloc(layout(48));
        assert_eq!(a, b);
        cache.dealloc(b, layout(48));
    }
    assert_eq!(cache.inner().allocs.load(Relaxed), 1);
    assert_eq!(cache.inner().frees.load(Relaxed), 0);
}

#[test]
fn large_and_overaligned_requests_go_to_the_inner_allocator() {
    let cache = unsafe { ThreadCache::new(Counting::default()) };
    unsafe {
        for l in [
            layout(SMALL_MAX + 1),
            Layout::from_size_align(64, 2 * ALIGN).unwrap(),
        ] {
            let a = cache.alloc(l);
            assert_eq!(a as usize % l.align(), 0);
            cache.dealloc(a, l);
        }
    }
    assert_eq!(cache.inner().allocs.load(Relaxed), 2);
    assert_eq!(
        cache.inner().frees.load(Relaxed),
        2,
        "nothing large is kept"
    );
}

#[test]
fn a_thread_keeps_at_most_slots_blocks_per_class_and_gives_back_the_rest() {
    let cache = unsafe { ThreadCache::new(Counting::default()) };
    let many = SLOTS + 10;
    unsafe {
        let blocks: Vec<_> = (0..many).map(|_| cache.alloc(layout(100))).collect();
        let distinct: HashSet<_> = blocks.iter().collect();
        assert_eq!(distinct.len(), many, "live blocks are distinct");
        for b in blocks {
            cache.dealloc(b, layout(100));
        }
    }
    assert_eq!(cache.inner().allocs.load(Relaxed), many);
    assert_eq!(cache.inner().frees.load(Relaxed), 10);
    // What stays cached is bounded: SLOTS blocks of the class's 112 bytes.
    assert_eq!(cache.inner().live.load(Relaxed), SLOTS * 112);
}

#[test]
fn blocks_freed_on_another_thread_join_that_threads_cache() {
    let cache = unsafe { ThreadCache::new(Counting::default()) };
    let made: Vec<usize> = unsafe { (0..8).map(|_| cache.alloc(layout(24)) as usize).collect() };
    std::thread::scope(|s| {
        s.spawn(|| unsafe {
            for &b in &made {
                cache.dealloc(b as *mut u8, layout(24));
            }
            // That thread now allocates from them, without asking the inner allocator.
            let again: HashSet<usize> = (0..8).map(|_| cache.alloc(layout(24)) as usize).collect();
            assert_eq!(again, made.iter().copied().collect());
            for b in again {
                cache.dealloc(b as *mut u8, layout(24));
            }
        });
    });
    assert_eq!(cache.inner().allocs.load(Relaxed), 8);
}

#[test]
fn realloc_keeps_the_contents_and_the_block_when_the_class_has_room() {
    let cache = unsafe { ThreadCache::new(Counting::default()) };
    unsafe {
        let a = cache.alloc(layout(20));
        for i in 0..20 {
            *a.add(i) = i as u8;
        }
        let same = cache.realloc(a, layout(20), 32);
        assert_eq!(same, a, "20 and 32 bytes are one class");
        let small_to_small = cache.realloc(same, layout(32), 200);
        let small_to_large = cache.realloc(small_to_small, layout(200), 4000);
        let large_to_large = cache.realloc(small_to_large, layout(4000), 9000);
        let large_to_small = cache.realloc(large_to_large, layout(9000), 20);
        for i in 0..20 {
            assert_eq!(*large_to_small.add(i), i as u8, "byte {i} after four moves");
        }
        cache.dealloc(large_to_small, layout(20));
    }
}

#[test]
fn alloc_zeroed_zeroes_a_reused_block() {
    let cache = unsafe { ThreadCache::new(Counting::default()) };
    unsafe {
        let a = cache.alloc(layout(64));
        a.write_bytes(0xAB, 64);
        cache.dealloc(a, layout(64));
        let z = cache.alloc_zeroed(layout(64));
        assert_eq!(z, a);
        assert!(std::slice::from_raw_parts(z, 64).iter().all(|&b| b == 0));
        cache.dealloc(z, layout(64));
    }
}
