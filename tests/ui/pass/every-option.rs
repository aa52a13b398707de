//! Every `#[actor]` option, flags both bare and with a value.
use foundation::prelude::*;

#[actor(name = "everything", restart = "temporary", blocking, trap_exit = true)]
struct Everything;

#[handlers]
impl Everything {
    pub fn ping(&self) -> u8 {
        1
    }
}

#[actor(blocking = false, trap_exit = false, restart = "permanent")]
enum Light {
    On,
    Off,
}

#[handlers]
impl Light {
    pub fn toggle(&mut self) -> bool {
        *self = match self {
            Light::On => Light::Off,
            Light::Off => Light::On,
        };
        matches!(self, Light::On)
    }
}

#[actor(memory = "gc_optimized", max_heap = "16MiB", hibernate_after = "1_500ms", hibernate_every = 1000)]
#[derive(Default)]
struct Cache(Vec<u64>);

#[handlers]
impl Cache {
    pub fn put(&mut self, n: u64) {
        self.0.push(n);
    }

    // The hook, not a message.
    fn compact(&mut self, _ctx: &mut Context<Self>) {
        self.0 = Vec::new();
    }
}

#[actor(memory = "shared", max_heap = "2 GB")]
struct Broadcaster;

#[handlers]
impl Broadcaster {}

fn main() {
    let cache = Cache::options();
    assert_eq!(cache.memory, foundation::memory::MemoryStrategy::GcOptimized);
    assert_eq!(cache.max_heap, Some(16 << 20));
    assert_eq!(cache.hibernate_after, Some(std::time::Duration::from_millis(1500)));
    assert_eq!(cache.hibernate_every, Some(1000));
    assert_eq!(Broadcaster::options().max_heap, Some(2_000_000_000));
    assert_eq!(Broadcaster::options().memory, foundation::memory::MemoryStrategy::Shared);

    let options = Everything::options();
    assert_eq!(options.name.as_deref(), Some("everything"));
    assert!(options.blocking && options.trap_exit);
    assert_eq!(Everything::restart(), Restart::Temporary);
    assert_eq!(Light::options(), ActorOptions::new());
    let node = Node::builder().schedulers(1).start().unwrap();
    let light = node.spawn(Light::Off).unwrap();
    assert_eq!(light.toggle(), Ok(true));
    assert_eq!(node.spawn(Everything).unwrap().ping(), Ok(1));
    let cache = node.spawn(Cache::default()).unwrap();
    cache.put(1).unwrap();
}
