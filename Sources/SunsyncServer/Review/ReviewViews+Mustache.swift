import Mustache

// The views the pages render many times over (a row per day, person, org or bar) and those a row's
// template looks through (the page and its frame) answer the templates' names themselves. Otherwise
// swift-mustache finds each name by `Mirror`, which lists every field of the value at every look-up: an
// org page of 1,100 days took 42 ms to render that way, 16 ms now (all its days, 535 KB: 0.24 → 0.06 s).
// `ReviewViewsTests` checks that each answers every field by its name as `Mirror` reads it, so a field
// added to a view and not here fails a test instead of vanishing from a page.

extension ReviewViews.Frame: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "district": district
        case "device": device
        case "csrf": csrf
        case "month": month
        case "prev": prev
        case "next": next
        case "notice": notice
        default: nil
        }
    }
}

extension ReviewViews.Totals: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "orgCount": orgCount
        case "participants": participants
        case "days": days
        case "hours": hours
        case "lunches": lunches
        case "lunchAmount": lunchAmount
        case "records": records
        case "approved": approved
        case "needsReview": needsReview
        case "rejected": rejected
        case "flags": flags
        case "conflicts": conflicts
        default: nil
        }
    }
}

extension ReviewViews.Bar: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "x": x
        case "y": y
        case "w": w
        case "h": h
        case "fill": fill
        case "month": month
        case "short": short
        case "value": value
        case "labelX": labelX
        case "labelY": labelY
        default: nil
        }
    }
}

extension ReviewViews.Gridline: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "y": y
        case "labelY": labelY
        case "label": label
        default: nil
        }
    }
}

extension ReviewViews.Chart: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "width": width
        case "height": height
        case "bars": bars
        case "gridlines": gridlines
        default: nil
        }
    }
}

extension ReviewViews.Progress: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "approved": approved
        case "rejected": rejected
        case "needsReview": needsReview
        case "approvedWidth": approvedWidth
        case "rejectedWidth": rejectedWidth
        default: nil
        }
    }
}

extension ReviewViews.OrgRow: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "code": code
        case "name": self.name
        case "month": month
        case "participants": participants
        case "days": days
        case "hours": hours
        case "lunches": lunches
        case "lunchAmount": lunchAmount
        case "approved": approved
        case "needsReview": needsReview
        case "rejected": rejected
        case "flags": flags
        case "conflicts": conflicts
        case "progress": progress
        case "spark": spark
        default: nil
        }
    }
}

extension ReviewViews.District: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "title": title
        case "frame": frame
        case "totals": totals
        case "chart": chart
        case "orgs": orgs
        case "empty": empty
        default: nil
        }
    }
}

extension ReviewViews.Person: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "name": self.name
        case "certificate": certificate
        case "href": href
        case "days": days
        case "hours": hours
        case "lunches": lunches
        case "lunchAmount": lunchAmount
        case "approved": approved
        case "needsReview": needsReview
        case "rejected": rejected
        case "flags": flags
        default: nil
        }
    }
}

extension ReviewViews.FlagRow: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "label": label
        case "css": css
        case "subject": subject
        case "message": message
        default: nil
        }
    }
}

extension ReviewViews.Day: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "date": date
        case "name": self.name
        case "kind": kind
        case "value": value
        case "version": version
        case "status": status
        case "statusLabel": statusLabel
        case "reviewNote": reviewNote
        case "changed": changed
        case "flags": flags
        case "conflict": conflict
        default: nil
        }
    }
}

extension ReviewViews.Filter: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "label": label
        case "href": href
        case "on": on
        default: nil
        }
    }
}

extension ReviewViews.Org: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "title": title
        case "frame": frame
        case "code": code
        case "name": self.name
        case "totals": totals
        case "people": people
        case "hasFlags": hasFlags
        case "flagLines": flagLines
        case "filters": filters
        case "days": days
        case "approvable": approvable
        case "canApproveMonth": canApproveMonth
        case "held": held
        case "rejectedCount": rejectedCount
        default: nil
        }
    }
}

extension ReviewViews.Payments: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "title": title
        case "frame": frame
        case "headers": headers
        case "rows": rows
        case "empty": empty
        case "notCounted": notCounted
        default: nil
        }
    }
}

extension ReviewViews.PaymentRow: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "css": css
        case "cells": cells
        default: nil
        }
    }
}

extension ReviewViews.PaymentCell: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "text": text
        case "cls": cls
        default: nil
        }
    }
}

extension ReviewViews.RevealRow: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "time": time
        case "device": device
        case "org": org
        case "orgName": orgName
        case "people": people
        case "purpose": purpose
        case "what": what
        default: nil
        }
    }
}
