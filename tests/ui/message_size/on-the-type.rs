use foundation::MessageSize;

#[derive(MessageSize)]
#[message_size(skip)]
struct Order {
    id: u64,
}

fn main() {}
