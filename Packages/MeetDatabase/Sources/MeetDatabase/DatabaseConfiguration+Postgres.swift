public import MeetCore
import NIOSSL
public import PostgresNIO

extension DatabaseConfiguration {
    /// The PostgresNIO client configuration.
    public var clientConfiguration: PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch self.tls {
            case .disable: .disable
            case .prefer: .prefer(.makeClientConfiguration())
            case .require: .require(.makeClientConfiguration())
            }
        var configuration = PostgresClient.Configuration(
            host: self.host,
            port: self.port,
            username: self.username,
            password: self.password,
            database: self.database,
            tls: tls
        )
        configuration.options.maximumConnections = self.poolSize
        configuration.options.connectTimeout = self.connectTimeout
        return configuration
    }

    /// One connection outside the pool (the circuit breaker's probe), as
    /// the pool would open it, connect timeout included. Throws when the
    /// TLS context cannot be made.
    public func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS =
            switch self.tls {
            case .disable: .disable
            case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
        var configuration = PostgresConnection.Configuration(
            host: self.host, port: self.port, username: self.username, password: self.password, database: self.database, tls: tls)
        configuration.options.connectTimeout = .nanoseconds(Int64(self.connectTimeout / .nanoseconds(1)))
        return configuration
    }
}
