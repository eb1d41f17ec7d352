fn main() {
    println!("mote");
}
