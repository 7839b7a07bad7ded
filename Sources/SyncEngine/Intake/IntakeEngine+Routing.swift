import CraftAPI
import DevTools
import Foundation
import Logging
import Store
import Support

/// Where an item goes: its workspace's tool, or the one a routing rule names.
extension IntakeEngine {
    /// The targets `target`'s items can go to: its own first, then each instance the routing rules name.
    func targets(_ target: IntakeTarget) -> [IntakeTarget] {
        var all = [target]
        for rule in routing where !all.contains(where: { $0.devTool.instance == rule.instance }) {
            guard let tool = tools[rule.instance] else { continue }
            var routed = target
            routed.devTool = tool
            all.append(routed)
        }
        return all
    }

    /// Where a new item goes: the first rule it matches whose tool is configured, else its workspace's tool.
    func route(_ item: CraftItem, _ target: IntakeTarget) -> (IntakeTarget, RoutingRule?) {
        guard let rule = routing.first(where: { $0.matches(item) }), let tool = tools[rule.instance] else { return (target, nil) }
        var routed = target
        routed.devTool = tool
        return (routed, rule)
    }

    func newIssue(_ item: CraftItem, for target: IntakeTarget, rule: RoutingRule?) -> NewIssue {
        var issue = mapper.newIssue(from: item, for: target.devTool)
        if let type = rule?.issueType { issue.issueType = type }
        return issue
    }
}
