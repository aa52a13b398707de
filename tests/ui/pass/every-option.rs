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

fn main() {
    let options = Everything::options();
    assert_eq!(options.name.as_deref(), Some("everything"));
    assert!(options.blocking && options.trap_exit);
    assert_eq!(Everything::restart(), Restart::Temporary);
    assert_eq!(Light::options(), ActorOptions::new());
    let node = Node::builder().schedulers(1).start().unwrap();
    let light = node.spawn(Light::Off).unwrap();
    assert_eq!(light.toggle(), Ok(true));
    assert_eq!(node.spawn(Everything).unwrap().ping(), Ok(1));
}
