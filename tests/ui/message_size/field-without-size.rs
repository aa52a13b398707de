use foundation::MessageSize;

struct Opaque;

#[derive(MessageSize)]
struct Order {
    id: u64,
    handle: Opaque,
}

fn main() {}
