import { describe, expect, it } from 'vitest'
import { addressOf, checkForm, emptyForm, fieldOf, normalisePhone, parseCoordinates, phoneForLookup, toComplaint, type IntakeForm } from './intake'

const filled = (over: Partial<IntakeForm> = {}): IntakeForm => ({
  ...emptyForm(), category: '0501', text: ' 綦江大道有人推车卖水果 ', lat: 28.95, lng: 106.6, ...over,
})

describe('toComplaint', () => {
  it('sends a hotline report with the fields the hub knows, trimmed', () => {
    expect(toComplaint(filled({ address: ' 古南街道綦江大道 ', name: '张先生', phone: '138-0000 1234' }))).toEqual({
      channel: 'hotline', nature: 'complaint', category: '0501', text: '綦江大道有人推车卖水果',
      lat: 28.95, lng: 106.6, datum: 'wgs84', address: '古南街道綦江大道',
      reporter: { name: '张先生', phone: '13800001234' },
    })
  })
  it('leaves out empty optional fields instead of sending them empty', () => {
    const body = toComplaint(filled())
    expect(body).not.toHaveProperty('address')
    expect(body).not.toHaveProperty('reporter')
    expect(body).not.toHaveProperty('non_public')
    expect(toComplaint(filled({ phone: '023-48661234' })).reporter).toEqual({ phone: '02348661234' })
  })
  it('keeps the datum the coordinates were typed in, and the wish not to be published', () => {
    const body = toComplaint(filled({ datum: 'gcj02', nonPublic: true, nature: 'report' }))
    expect(body.datum).toBe('gcj02')
    expect(body.non_public).toBe(true)
    expect(body.nature).toBe('report')
  })
  it('never sends the answer or the place text (the hub refuses unknown fields)', () => {
    const body = toComplaint(filled({ nature: 'inquiry', answer: '每周二收运', place: '綦江中学' }))
    expect(Object.keys(body).sort()).toEqual(['category', 'channel', 'datum', 'lat', 'lng', 'nature', 'text'])
  })
})

describe('checkForm', () => {
  it('names every missing field', () => {
    expect(Object.keys(checkForm(emptyForm())).sort()).toEqual(['category', 'location', 'text'])
    expect(checkForm(filled())).toEqual({})
  })
  it('asks an inquiry for its answer', () => {
    expect(checkForm(filled({ nature: 'inquiry' }))).toHaveProperty('answer')
    expect(checkForm(filled({ nature: 'inquiry', answer: '每周二' }))).toEqual({})
  })
  it('refuses a phone number that cannot be one', () => {
    expect(checkForm(filled({ phone: '12' }))).toHaveProperty('phone')
    expect(checkForm(filled({ phone: '+86 138 0000 1234' }))).toEqual({})
  })
})

describe('phones', () => {
  it('keeps digits and a leading plus', () => {
    expect(normalisePhone(' +86 138-0000-1234 ')).toBe('+8613800001234')
  })
  it('looks a caller up only once the number is long enough', () => {
    expect(phoneForLookup('138')).toBeNull()
    expect(phoneForLookup('4866 123')).toBe('4866123')
  })
})

describe('parseCoordinates', () => {
  it('reads lat,lng with any separator', () => {
    expect(parseCoordinates('28.95,106.60')).toEqual({ lat: 28.95, lng: 106.6 })
    expect(parseCoordinates(' 28.95， 106.6 ')).toEqual({ lat: 28.95, lng: 106.6 })
    expect(parseCoordinates('28.95 106.6')).toEqual({ lat: 28.95, lng: 106.6 })
  })
  it('reads lng,lat as Chinese maps write it', () => {
    expect(parseCoordinates('106.6,28.95')).toEqual({ lat: 28.95, lng: 106.6 })
  })
  it('takes a datum written after the numbers', () => {
    expect(parseCoordinates('106.6,28.95 GCJ02')).toEqual({ lat: 28.95, lng: 106.6, datum: 'gcj02' })
    expect(parseCoordinates('28.95,106.6,bd09')).toEqual({ lat: 28.95, lng: 106.6, datum: 'bd09' })
  })
  it('answers null for place names and impossible numbers', () => {
    expect(parseCoordinates('綦江中学')).toBeNull()
    expect(parseCoordinates('28.95')).toBeNull()
    expect(parseCoordinates('95,200')).toBeNull()
    expect(parseCoordinates('2号楼 3单元')).toBeNull()
  })
})

describe('fieldOf', () => {
  it('shows the hub\'s complaint next to the field it names', () => {
    expect(fieldOf('reporter.phone', 'invalid', 'file')).toBe('phone')
    expect(fieldOf('lat', 'invalid', 'file')).toBe('location')
    expect(fieldOf('', 'outside', 'file')).toBe('location')
    expect(fieldOf('category', 'invalid', 'file')).toBe('category')
  })
  it('reads `text` as the answer in the answering step', () => {
    expect(fieldOf('text', 'invalid', 'answer')).toBe('answer')
    expect(fieldOf('text', 'invalid', 'file')).toBe('text')
  })
  it('has no field for what it does not know', () => {
    expect(fieldOf('body', 'too_large', 'file')).toBe('')
    expect(fieldOf('into', 'invalid', 'merge')).toBe('')
  })
})

describe('addressOf', () => {
  it('puts a place after its street or jurisdiction', () => {
    expect(addressOf({ type: 'place', name: '綦江公园', address: '古南街道', jurisdiction_name: '古南街道' })).toBe('古南街道綦江公园')
    expect(addressOf({ type: 'place', name: '綦江区人民政府', address: '文龙街道九龙大道' })).toBe('文龙街道九龙大道綦江区人民政府')
    expect(addressOf({ type: 'place', name: '万达广场', jurisdiction_name: '' })).toBe('万达广场')
  })
  it('names a jurisdiction by itself', () => {
    expect(addressOf({ type: 'jurisdiction', name: '古南街道', jurisdiction_name: '古南街道' })).toBe('古南街道')
  })
})
