import Testing

@testable import MeetRedis

/// `MEET_REDIS_URL` forms.
@Suite struct RedisConfigurationTests {
    @Test func hostOnlyUsesDefaults() throws {
        let c = try RedisConfiguration(url: "redis://cache.internal")
        #expect(c.host == "cache.internal" && c.port == 6379 && c.database == 0)
        #expect(c.username == nil && c.password == nil)
    }

    @Test func hostPortAndDatabase() throws {
        let c = try RedisConfiguration(url: "redis://127.0.0.1:56379/4")
        #expect(c.host == "127.0.0.1" && c.port == 56379 && c.database == 4)
    }

    @Test func passwordOnly() throws {
        let c = try RedisConfiguration(url: "redis://:pa%40ss@redis:6380/1")
        #expect(c.username == nil && c.password == "pa@ss")
        #expect(c.host == "redis" && c.port == 6380 && c.database == 1)
    }

    @Test func userAndPassword() throws {
        let c = try RedisConfiguration(url: "REDIS://meet:secret@10.0.0.5:7000")
        #expect(c.username == "meet" && c.password == "secret" && c.port == 7000)
    }

    @Test func ipv6Host() throws {
        let c = try RedisConfiguration(url: "redis://[::1]:6390/2")
        #expect(c.host == "::1" && c.port == 6390 && c.database == 2)
    }

    @Test func trailingSlashAndQueryAreIgnored() throws {
        let c = try RedisConfiguration(url: "redis://h:1/?timeout=3")
        #expect(c.host == "h" && c.port == 1 && c.database == 0)
    }

    @Test(arguments: [
        ("http://h", RedisConfigurationError.unsupportedScheme("http://h")),
        ("rediss://h", .unsupportedScheme("rediss://h")),
        ("redis://", .missingHost("redis://")),
        ("redis://h:0", .invalidPort("0")),
        ("redis://h:99999", .invalidPort("99999")),
        ("redis://h:x", .invalidPort("x")),
        ("redis://h/abc", .invalidDatabase("abc")),
        ("redis://:%zz@h", .invalidEncoding),
    ])
    func invalidURLsAreRefused(_ url: String, _ expected: RedisConfigurationError) {
        #expect(throws: expected) { try RedisConfiguration(url: url) }
    }
}
