//! racelab-alloc: a per-thread cache of small blocks in front of another allocator.
//!
//! **Why it exists.** On wasm32 with threads, std's allocator (dlmalloc) guards the whole
//! heap with one lock, and that lock spins: a browser's main thread may not block, so std
//! cannot wait on it. A program's thread allocates a few small blocks for each step of a
//! lesson (a list, an iterator, a bound method), so five tellers on two cores take that lock
//! hundreds of thousands of times a second, and a holder that loses its core leaves the
//! others spinning through their whole time slice. Natively, glibc keeps per-thread caches
//! already; in the browser nothing did. The wasm allocators on crates.io (talc, lol_alloc,
//! wee_alloc) take one lock for every call too, so this crate is the small piece written by
//! hand: [`ThreadCache`].
//!
//! **The scheme.** Requests of at most [`SMALL_MAX`] bytes aligned to at most [`ALIGN`]
//! fall in one of [`CLASSES`] size classes, [`STEP`] bytes apart. Each thread keeps, per class,
//! up to [`SLOTS`] freed blocks ("magazines", a stack of pointers in thread-local storage).
//! An allocation pops one, or asks the inner allocator for a block of the class's whole
//! size; a free pushes the block, or gives it back to the inner allocator when the stack is
//! full. Larger requests go straight to the inner allocator.
//!
//! **Invariants.**
//! - Every block a cache holds came from the inner allocator with its class's layout
//!   (`class size`, [`ALIGN`]), so any thread may keep it or give it back: a block freed by
//!   another thread than the one that made it simply joins the freeing thread's cache.
//! - The cache never writes into a free block, and holds at most
//!   `SLOTS * (16 + 32 + ... + SMALL_MAX)` bytes per thread (34 KB): memory stays bounded
//!   however a program allocates.
//! - wasm-bindgen allocates a new thread's stack and its thread-local block *before* that
//!   thread's thread-local storage exists. Both requests are larger than [`SMALL_MAX`] (the
//!   cache lives in that very block and is larger, checked at compile time), so they never
//!   touch the cache.
//! - Nothing here registers a thread-local destructor (that would allocate): a thread that
//!   exits keeps its cached blocks. The browser's workers live as long as the page; native
//!   builds, whose threads come and go, should keep their system allocator.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::ptr;

/// The largest request, in bytes, served from the per-thread cache.
pub const SMALL_MAX: usize = 256;
/// The alignment of every cached block (and the largest alignment a cached request may ask):
/// what the system allocator gives any block anyway (8 bytes on wasm32, 16 on 64-bit
/// targets). Asking dlmalloc for more would send every miss through its slow `memalign`.
pub const ALIGN: usize = 2 * std::mem::size_of::<usize>();
/// The step between size classes, in bytes.
pub const STEP: usize = 16;
/// Size classes: 16, 32, ..., [`SMALL_MAX`] bytes.
pub const CLASSES: usize = SMALL_MAX / STEP;
/// Freed blocks each thread keeps per class.
pub const SLOTS: usize = 32;

/// One thread's magazines: per class a stack of up to [`SLOTS`] free blocks.
struct Magazines {
    blocks: [[Cell<*mut u8>; SLOTS]; CLASSES],
    len: [Cell<u8>; CLASSES],
}

impl Magazines {
    const fn new() -> Self {
        Magazines {
            blocks: [const { [const { Cell::new(ptr::null_mut()) }; SLOTS] }; CLASSES],
            len: [const { Cell::new(0) }; CLASSES],
        }
    }
}

// wasm-bindgen's allocation of a thread's thread-local block must not take the cache path
// (module docs): the block holds the magazines, so it is larger than any small request.
const _: () = assert!(std::mem::size_of::<Magazines>() > SMALL_MAX);
const _: () = assert!(SLOTS <= u8::MAX as usize);
// Magazines have no destructor, so `thread_local!` registers none (registering allocates).
const _: () = assert!(!std::mem::needs_drop::<Magazines>());

thread_local! {
    static MAGAZINES: Magazines = const { Magazines::new() };
}

/// The size class of a request, or `None` if the inner allocator serves it.
#[inline]
fn class_of(layout: Layout) -> Option<usize> {
    if layout.size() <= SMALL_MAX && layout.align() <= ALIGN {
        // A zero-size request (which std never makes of a global allocator) takes class 0.
        Some(layout.size().saturating_sub(1) / STEP)
    } else {
        None
    }
}

/// The layout every block of `class` is allocated with.
#[inline]
fn class_layout(class: usize) -> Layout {
    // SAFETY: ALIGN is a power of two, and the size a multiple of it far below isize::MAX.
    unsafe { Layout::from_size_align_unchecked((class + 1) * STEP, ALIGN) }
}

/// A global allocator that keeps small freed blocks per thread and asks `A` for the rest
/// (module docs: the scheme and its invariants).
///
/// ```
/// use std::alloc::System;
/// use racelab_alloc::ThreadCache;
/// // In the wasm build only (see the module docs on threads that exit):
/// // #[global_allocator]
/// // SAFETY: the program's only cache.
/// static ALLOC: ThreadCache<System> = unsafe { ThreadCache::new(System) };
/// ```
pub struct ThreadCache<A> {
    inner: A,
}

impl<A> ThreadCache<A> {
    /// A cache in front of `inner`.
    ///
    /// # Safety
    ///
    /// The magazines belong to the thread, not to the cache: two caches used by one thread
    /// hand out each other's blocks. Use one cache per program (the global allocator), or
    /// several only over the same inner allocator.
    pub const unsafe fn new(inner: A) -> Self {
        ThreadCache { inner }
    }

    /// The allocator behind the cache.
    pub fn inner(&self) -> &A {
        &self.inner
    }
}

// SAFETY: small blocks are handed out once (popped from this thread's stack, or fresh from
// the inner allocator) and come back only through `dealloc`; the rest is the inner
// allocator's contract, forwarded unchanged.
unsafe impl<A: GlobalAlloc> GlobalAlloc for ThreadCache<A> {
    #[inline(never)]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(class) = class_of(layout) else {
            return self.inner.alloc(layout);
        };
        let cached = MAGAZINES.with(|m| {
            let len = m.len[class].get();
            if len == 0 {
                return ptr::null_mut();
            }
            m.len[class].set(len - 1);
            m.blocks[class][usize::from(len - 1)].get()
        });
        if cached.is_null() {
            self.inner.alloc(class_layout(class))
        } else {
            cached
        }
    }

    #[inline(never)]
    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        let Some(class) = class_of(layout) else {
            return self.inner.dealloc(block, layout);
        };
        let kept = MAGAZINES.with(|m| {
            let len = m.len[class].get();
            if usize::from(len) == SLOTS {
                return false;
            }
            m.blocks[class][usize::from(len)].set(block);
            m.len[class].set(len + 1);
            true
        });
        if !kept {
            self.inner.dealloc(block, class_layout(class));
        }
    }

    #[inline(never)]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if class_of(layout).is_none() {
            // The inner allocator knows which of its memory is fresh and already zero.
            return self.inner.alloc_zeroed(layout);
        }
        let block = self.alloc(layout);
        if !block.is_null() {
            ptr::write_bytes(block, 0, layout.size());
        }
        block
    }

    #[inline(never)]
    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees new_size, rounded up to layout.align(), fits isize.
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        match (class_of(layout), class_of(new_layout)) {
            // The block already has the room.
            (Some(old), Some(new)) if old == new => block,
            (None, None) => self.inner.realloc(block, layout, new_size),
            _ => {
                let moved = self.alloc(new_layout);
                if !moved.is_null() {
                    ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size));
                    self.dealloc(block, layout);
                }
                moved
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_fall_in_classes_sixteen_bytes_apart() {
        let class = |size, align| class_of(Layout::from_size_align(size, align).unwrap());
        assert_eq!(class(1, 1), Some(0));
        assert_eq!(class(16, 8), Some(0));
        assert_eq!(class(17, 8), Some(1));
        assert_eq!(class(256, ALIGN), Some(CLASSES - 1));
        assert_eq!(class(257, 8), None, "past SMALL_MAX");
        assert_eq!(class(64, 2 * ALIGN), None, "aligned past ALIGN");
        for c in 0..CLASSES {
            assert_eq!(
                class_of(class_layout(c)),
                Some(c),
                "a class's blocks stay in it"
            );
        }
    }
}
