import Alerting

extension ActiveWindow {
    /// `Mon-Fri 09:00-15:30`, `Mon,Wed 10:00-12:00`, `Sat-Sun 00:00-24:00`.
    static func parse(_ text: String) -> ActiveWindow? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2 else { return nil }
        let names = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
        func day(_ s: Substring) -> Int? { names.firstIndex(of: s.lowercased()) }
        var days: Set<Int> = []
        for item in parts[0].split(separator: ",") {
            let range = item.split(separator: "-", omittingEmptySubsequences: false)
            if range.count == 1, let d = day(range[0]) {
                days.insert(d)
            } else if range.count == 2, let a = day(range[0]), let b = day(range[1]) {
                var d = a
                while true {
                    days.insert(d)
                    if d == b { break }
                    d = (d + 1) % 7
                }
            } else {
                return nil
            }
        }
        let times = parts[1].split(separator: "-", omittingEmptySubsequences: false)
        func minute(_ s: Substring) -> Int? {
            let hm = s.split(separator: ":", omittingEmptySubsequences: false)
            guard hm.count == 2, hm[0].count == 2, hm[1].count == 2, let h = Int(hm[0]), let m = Int(hm[1]), m < 60,
                h < 24 || (h == 24 && m == 0)
            else { return nil }
            return h * 60 + m
        }
        guard times.count == 2, let start = minute(times[0]), let end = minute(times[1]), start < end, !days.isEmpty
        else {
            return nil
        }
        return ActiveWindow(days: days, startMinute: start, endMinute: end, text: text)
    }
}
