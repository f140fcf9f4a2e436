//! The cache as a program's global allocator: threads that allocate, share and free blocks
//! of every size see their data intact.
#![allow(unsafe_code)]

use std::sync::mpsc;

use racelab_alloc::ThreadCache;

#[global_allocator]
static ALLOC: ThreadCache<std::alloc::System> = unsafe { ThreadCache::new(std::alloc::System) };

#[test]
fn threads_that_make_and_free_each_others_blocks_see_their_data_intact() {
    let (tx, rx) = mpsc::channel::<Vec<Box<[u64]>>>();
    let makers: Vec<_> = (0..4u64)
        .map(|t| {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for round in 0..2_000u64 {
                    // Sizes across every class and past it, each filled with a checkable value.
                    let batch = (1..40u64)
                        .map(|n| {
                            vec![t * 1_000_000 + round * 100 + n; n as usize].into_boxed_slice()
                        })
                        .collect();
                    tx.send(batch).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let mut seen = 0;
    for batch in rx {
        for b in batch {
            let n = b.len() as u64;
            assert!(
                b.iter().all(|&v| v % 100 == n),
                "a block changed under its owner"
            );
            seen += 1;
        }
    }
    for m in makers {
        m.join().unwrap();
    }
    assert_eq!(seen, 4 * 2_000 * 39);
}
