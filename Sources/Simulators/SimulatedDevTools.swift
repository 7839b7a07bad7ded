/// The dev tools these simulators stand in for: one entry each, the registry on the simulators' side.
extension SimulatorServer {
    public static let simulatedKinds = ["github", "jira", "gitlab"]

    /// The `dev_tool` settings (kind, base URL, credentials and the tool's own) that point `serve` at the simulated
    /// `kind`; nil for a tool not simulated.
    public static func serveSettings(for kind: String, baseURL: String, credentials: Credentials) -> [(key: String, value: String)]? {
        switch kind {
        case "github":
            [("kind", "github"), ("base_url", baseURL), ("token", credentials.githubToken), ("owner", credentials.githubOwner),
             ("repository", credentials.githubRepository)]
        case "jira":
            [("kind", "jira"), ("base_url", baseURL), ("email", credentials.jiraEmail), ("token", credentials.jiraAPIToken),
             ("project", credentials.jiraProjectKey)]
        case "gitlab":
            [("kind", "gitlab"), ("base_url", baseURL), ("token", credentials.gitlabToken), ("project", credentials.gitlabProject)]
        default:
            nil
        }
    }
}
