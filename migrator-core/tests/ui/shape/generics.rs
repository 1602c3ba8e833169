use migrator_core::Model;

#[derive(Model)]
struct Book<'a, T, const N: usize> {
    id: i64,
    title: &'a str,
    extra: [T; N],
}

fn main() {}
