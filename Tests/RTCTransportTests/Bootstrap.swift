import Testing

@Test func bootstrap() { #expect(Bool(true)) }
