//! Context anywhere, `ReplyTo` anywhere, `Result` answers, `Self` in
//! argument and return types, `mut` and `_` patterns.
use foundation::prelude::*;

#[actor]
#[derive(Clone, Default)]
struct Cell {
    value: i64,
}

#[handlers]
impl Cell {
    pub fn set(&mut self, mut value: i64, _ctx: &mut Context<Self>) {
        value = value.abs();
        self.value = value;
    }

    pub fn swap(&mut self, other: Self) -> Self {
        std::mem::replace(self, other)
    }

    pub fn later(&mut self, ctx: &mut Context<Self>, reply: ReplyTo<i64>, _: u8) {
        let _ = ctx.pid();
        let _ = reply.reply(self.value);
    }

    pub fn checked(&self, divisor: i64) -> Result<i64, String> {
        self.value.checked_div(divisor).ok_or_else(|| "division by zero".into())
    }
}

fn main() {
    let node = Node::builder().schedulers(1).start().unwrap();
    let cell = node.spawn(Cell::default()).unwrap();
    cell.set(-4).unwrap();
    assert_eq!(cell.later(0).unwrap(), 4);
    assert_eq!(cell.checked(2).unwrap(), Ok(2));
    assert!(cell.checked(0).unwrap().is_err());
    let old = cell.swap(Cell { value: 9 }).unwrap();
    assert_eq!(old.value, 4);
}

/// Argument names the handle cannot use as they are.
#[actor]
struct Names;

#[handlers]
impl Names {
    pub fn odd(&mut self, _a: u8, a: u8, __: u8, timeout: u8, r#type: u8, (x, y): (u8, u8)) -> u8 {
        a + timeout + r#type + x + y
    }
}

#[allow(dead_code)]
fn names(node: &Node) {
    let names = node.spawn(Names).unwrap();
    let _ = names.odd(0, 1, 2, 3, 4, (5, 6));
    let _ = names.odd_timeout(0, 1, 2, 3, 4, (5, 6), std::time::Duration::from_secs(1));
}

/// Receivers written out in full.
#[actor]
struct Typed(u8);

#[handlers]
impl Typed {
    pub fn get(self: &Self) -> u8 {
        self.0
    }

    pub fn set(self: &mut Self, value: u8) {
        self.0 = value;
    }
}

#[allow(dead_code)]
fn typed(node: &Node) {
    let typed = node.spawn(Typed(0)).unwrap();
    typed.set(1).unwrap();
    let _ = typed.get();
}
