package approval

import "context"

// Notification is what a Notifier is told: the event and the request it is
// about.
type Notification struct {
	Event   Event   `json:"event"`
	Request Request `json:"request"`
}

// Notifier tells people about requests, decisions and break-glass. Notify
// must not block on the network: queue and return. An error (a full queue,
// a closed notifier) is reported by the Store as an EventNotifyFailed
// event; failures after queueing are reported by the notifier itself (see
// WebhookConfig.Report).
type Notifier interface {
	Notify(ctx context.Context, n Notification) error
}

// NotifierFunc adapts a function to Notifier.
type NotifierFunc func(ctx context.Context, n Notification) error

// Notify calls f.
func (f NotifierFunc) Notify(ctx context.Context, n Notification) error { return f(ctx, n) }

// notify tells the notifier, returning an event if that failed.
func (s *Store) notify(ctx context.Context, ev Event, r Request) []Event {
	if s.opts.Notifier == nil {
		return nil
	}
	if err := s.opts.Notifier.Notify(context.WithoutCancel(ctx), Notification{Event: ev, Request: r}); err != nil {
		f := Event{Type: EventNotifyFailed, Time: s.now(), RequestID: r.ID, DecisionID: r.DecisionID, Group: r.Group,
			Reason: string(ev.Type), Error: err.Error()}
		return []Event{f}
	}
	return nil
}
